namespace ThreatResponse.Core.Intake;

/// <summary>Shape checks for the AWS names a containment target is built from.</summary>
public static class AwsNames
{
    /// <summary>Twelve ASCII digits.</summary>
    public static bool IsAccountId(string? text)
    {
        if (text is not { Length: 12 })
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Region codes such as <c>us-east-1</c>, <c>eu-central-2</c>, <c>us-gov-west-1</c>, <c>cn-north-1</c>.</summary>
    public static bool IsRegion(string? text)
    {
        if (text is null || text.Length is < 9 or > 25)
        {
            return false;
        }

        var segments = text.Split('-');
        if (segments.Length < 3 || segments[0].Length != 2 || !IsLowerLetters(segments[0]) || !IsDigits(segments[^1]))
        {
            return false;
        }

        for (var i = 1; i < segments.Length - 1; i++)
        {
            if (segments[i].Length == 0 || !IsLowerLetters(segments[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b and the like.</summary>
    public static bool IsPartition(string? text) =>
        text is not null && (text == "aws" || (text.StartsWith("aws-", StringComparison.Ordinal) && text.Length <= 16 && IsLowerLettersOrDash(text)));

    private static bool IsLowerLetters(string s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiLetterLower(c))
            {
                return false;
            }
        }

        return s.Length > 0;
    }

    private static bool IsLowerLettersOrDash(string s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiLetterLower(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDigits(string s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return s.Length > 0;
    }
}
