using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ThreatResponse.Testing.CloudFormation;

/// <summary>
/// Resolves a (SAM-translated) template the way CloudFormation does at deploy time, so tests can check what a
/// service receives — the things cfn-lint and moto do not check:
/// <list type="bullet">
/// <item>parameters: the override, else the default, checked against AllowedValues / AllowedPattern (whole string) /
/// Min/MaxLength / Min/MaxValue; a <c>Ref</c> to any parameter is a <b>string</b> (a <c>Number</c> too), a list
/// parameter a list of strings;</item>
/// <item>conditions evaluated; resources and outputs whose condition is false are not created, and a reference to
/// one of them from what is created is an error (as CloudFormation's "unresolved resource dependencies");</item>
/// <item><c>Fn::Sub</c> substitutes text, <c>Fn::Join</c> / <c>Fn::If</c> / <c>Fn::Select</c> / <c>Fn::Split</c> /
/// <c>Fn::FindInMap</c> as documented (a missing map key is an error), <c>AWS::NoValue</c> removes the property;</item>
/// <item>names CloudFormation generates (<c>stack-LogicalId-RANDOM</c>, at most 64 characters: the stack name and
/// logical id are cut to fit) and the ARNs built from them (a role's ARN includes its path).</item>
/// </list>
/// Intrinsics it does not know fail loudly, so a template change is never half-checked.
/// </summary>
public sealed partial class CloudFormationRenderer
{
    private static readonly JsonObject NoValue = [];
    private static readonly string[] PseudoParameters = ["AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::StackName", "AWS::URLSuffix", "AWS::StackId", "AWS::NoValue"];

    private readonly JsonObject template;
    private readonly StackDeployment deployment;
    private readonly Dictionary<string, JsonNode> parameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> conditions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> resources = new(StringComparer.Ordinal);

    private CloudFormationRenderer(JsonObject template, StackDeployment deployment)
    {
        this.template = template;
        this.deployment = deployment;
    }

    /// <summary>The template as deployed with <paramref name="deployment"/>; throws <see cref="TemplateRenderException"/> where CloudFormation would refuse it.</summary>
    public static RenderedTemplate Render(JsonObject template, StackDeployment deployment)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(deployment);
        var renderer = new CloudFormationRenderer(template, deployment);
        renderer.ResolveParameters();
        return renderer.RenderStack();
    }

    private void ResolveParameters()
    {
        var declared = template["Parameters"]?.AsObject() ?? [];
        var errors = new List<string>();
        foreach (var unknown in deployment.ParameterOverrides.Keys.Where(k => !declared.ContainsKey(k)))
        {
            errors.Add($"parameter {unknown} is given but the template does not declare it");
        }

        foreach (var (name, definition) in declared)
        {
            var type = definition!["Type"]!.GetValue<string>();
            var value = deployment.ParameterOverrides.TryGetValue(name, out var given) ? given : DefaultText(definition["Default"]);
            if (value is null)
            {
                errors.Add($"parameter {name} has no default and no value was given");
                continue;
            }

            errors.AddRange(Violations(name, type, value, definition.AsObject()));
            parameters[name] = type is "CommaDelimitedList" || type.StartsWith("List<", StringComparison.Ordinal)
                ? new JsonArray(value.Split(',').Select(v => (JsonNode?)JsonValue.Create(v.Trim())).ToArray())
                : JsonValue.Create(value);
        }

        if (errors.Count > 0)
        {
            throw new TemplateRenderException($"{deployment.StackName}: {string.Join("; ", errors)}");
        }
    }

    private static string? DefaultText(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonValue v when v.TryGetValue(out bool b) => b ? "true" : "false",
        JsonValue v => v.ToJsonString(),
        JsonArray a => string.Join(",", a.Select(DefaultText)),
        _ => throw new TemplateRenderException($"a parameter default must be a scalar, not {node.ToJsonString()}"),
    };

    private static IEnumerable<string> Violations(string name, string type, string value, JsonObject definition)
    {
        if (definition["AllowedValues"] is JsonArray allowed && !allowed.Any(a => DefaultText(a) == value))
        {
            yield return $"parameter {name}: '{value}' is not one of the allowed values";
        }

        if (definition["AllowedPattern"] is JsonValue pattern && !Regex.IsMatch(value, $"^(?:{pattern.GetValue<string>()})$", RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            yield return $"parameter {name}: '{value}' does not match the pattern {pattern.GetValue<string>()}";
        }

        if (definition["MaxLength"] is JsonNode maxLength && value.Length > int.Parse(DefaultText(maxLength)!, CultureInfo.InvariantCulture))
        {
            yield return $"parameter {name}: '{value}' is longer than {DefaultText(maxLength)}";
        }

        if (definition["MinLength"] is JsonNode minLength && value.Length < int.Parse(DefaultText(minLength)!, CultureInfo.InvariantCulture))
        {
            yield return $"parameter {name}: '{value}' is shorter than {DefaultText(minLength)}";
        }

        if (type == "Number")
        {
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                yield return $"parameter {name}: '{value}' is not a number";
                yield break;
            }

            if (definition["MinValue"] is JsonNode min && number < double.Parse(DefaultText(min)!, CultureInfo.InvariantCulture))
            {
                yield return $"parameter {name}: {value} is below {DefaultText(min)}";
            }

            if (definition["MaxValue"] is JsonNode max && number > double.Parse(DefaultText(max)!, CultureInfo.InvariantCulture))
            {
                yield return $"parameter {name}: {value} is above {DefaultText(max)}";
            }
        }
    }

    private RenderedTemplate RenderStack()
    {
        foreach (var (id, resource) in template["Resources"]!.AsObject())
        {
            if (resource!["Condition"] is not JsonValue condition || Condition(condition.GetValue<string>()))
            {
                resources[id] = resource.AsObject();
            }
        }

        var rendered = new Dictionary<string, RenderedResource>(StringComparer.Ordinal);
        foreach (var (id, resource) in resources)
        {
            foreach (var dependency in resource["DependsOn"] is JsonArray list ? list.Select(d => d!.GetValue<string>()) : resource["DependsOn"] is JsonValue one ? [one.GetValue<string>()] : [])
            {
                RequirePresent(dependency, $"Resources.{id}.DependsOn");
            }

            var properties = resource["Properties"] is JsonObject p ? Render(p, $"Resources.{id}.Properties") as JsonObject : null;
            rendered[id] = new RenderedResource(id, resource["Type"]!.GetValue<string>(), properties ?? []);
        }

        var outputs = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (name, output) in template["Outputs"]?.AsObject() ?? [])
        {
            if (output!["Condition"] is not JsonValue condition || Condition(condition.GetValue<string>()))
            {
                outputs[name] = Render(output["Value"], $"Outputs.{name}.Value");
            }
        }

        return new RenderedTemplate(deployment, rendered, outputs);
    }

    private bool Condition(string name)
    {
        if (conditions.TryGetValue(name, out var known))
        {
            return known;
        }

        var expression = template["Conditions"]?[name] ?? throw new TemplateRenderException($"condition {name} is not declared");
        return conditions[name] = EvaluateCondition(expression, $"Conditions.{name}");
    }

    private bool EvaluateCondition(JsonNode expression, string path)
    {
        var (function, argument) = Intrinsic(expression) ?? throw new TemplateRenderException($"{path}: not a condition function: {expression.ToJsonString()}");
        var arguments = argument as JsonArray;
        return function switch
        {
            "Fn::Equals" => Render(arguments![0], path)!.ToJsonString() == Render(arguments[1], path)!.ToJsonString(),
            "Fn::Not" => !EvaluateCondition(arguments![0]!, path),
            "Fn::And" => arguments!.All(a => EvaluateCondition(a!, path)),
            "Fn::Or" => arguments!.Any(a => EvaluateCondition(a!, path)),
            "Condition" => Condition(argument!.GetValue<string>()),
            _ => throw new TemplateRenderException($"{path}: {function} is not a condition function"),
        };
    }

    private static (string Function, JsonNode? Argument)? Intrinsic(JsonNode? node) =>
        node is JsonObject { Count: 1 } o && o.First() is var (key, value) && (key == "Ref" || key == "Condition" || key.StartsWith("Fn::", StringComparison.Ordinal))
            ? (key, value)
            : null;

    private JsonNode? Render(JsonNode? node, string path)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonValue value:
                return value.DeepClone();
            case JsonArray array:
                var items = new JsonArray();
                for (var i = 0; i < array.Count; i++)
                {
                    var item = Render(array[i], $"{path}[{i}]");
                    if (!ReferenceEquals(item, NoValue))
                    {
                        items.Add(item);
                    }
                }

                return items;
            case JsonObject o when Intrinsic(o) is var (function, argument) && function != "Condition":
                return RenderIntrinsic(function, argument, path);
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (key, child) in o)
                {
                    var rendered = Render(child, $"{path}.{key}");
                    if (!ReferenceEquals(rendered, NoValue))
                    {
                        result[key] = rendered;
                    }
                }

                return result;
            default:
                throw new TemplateRenderException($"{path}: unexpected node");
        }
    }

    private JsonNode? RenderIntrinsic(string function, JsonNode? argument, string path)
    {
        switch (function)
        {
            case "Ref":
                return Reference(argument!.GetValue<string>(), path);
            case "Fn::GetAtt":
                var (resource, attribute) = argument is JsonArray pair
                    ? (pair[0]!.GetValue<string>(), pair[1]!.GetValue<string>())
                    : SplitAttribute(argument!.GetValue<string>());
                return JsonValue.Create(Attribute(resource, attribute, path));
            case "Fn::Sub":
                return JsonValue.Create(Substitute(argument!, path));
            case "Fn::Join":
                var join = (JsonArray)argument!;
                var parts = Render(join[1], path) as JsonArray ?? throw new TemplateRenderException($"{path}: Fn::Join needs a list");
                return JsonValue.Create(string.Join(join[0]!.GetValue<string>(), parts.Select(p => Text(p, path))));
            case "Fn::If":
                var branches = (JsonArray)argument!;
                return Render(Condition(branches[0]!.GetValue<string>()) ? branches[1] : branches[2], path);
            case "Fn::Select":
                var select = (JsonArray)argument!;
                var list = Render(select[1], path) as JsonArray ?? throw new TemplateRenderException($"{path}: Fn::Select needs a list");
                return list[int.Parse(Text(Render(select[0], path), path), CultureInfo.InvariantCulture)]!.DeepClone();
            case "Fn::Split":
                var split = (JsonArray)argument!;
                return new JsonArray(Text(Render(split[1], path), path).Split(split[0]!.GetValue<string>()).Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
            case "Fn::FindInMap":
                var keys = ((JsonArray)argument!).Select((k, i) => Text(Render(k, $"{path}[{i}]"), path)).ToArray();
                return template["Mappings"]?[keys[0]]?[keys[1]]?[keys[2]]?.DeepClone()
                    ?? throw new TemplateRenderException($"{path}: Fn::FindInMap finds no {string.Join(".", keys)} in Mappings");
            default:
                throw new TemplateRenderException($"{path}: {function} is not rendered by this checker; teach CloudFormationRenderer before using it");
        }
    }

    private static (string Resource, string Attribute) SplitAttribute(string dotted)
    {
        var dot = dotted.IndexOf('.', StringComparison.Ordinal);
        return (dotted[..dot], dotted[(dot + 1)..]);
    }

    private static string Text(JsonNode? node, string path) =>
        node is JsonValue v && v.TryGetValue(out string? s) ? s : throw new TemplateRenderException($"{path}: expected a string, got {node?.ToJsonString() ?? "null"}");

    private JsonNode Reference(string name, string path)
    {
        if (parameters.TryGetValue(name, out var parameter))
        {
            return parameter.DeepClone();
        }

        return name switch
        {
            "AWS::NoValue" => NoValue,
            "AWS::AccountId" => JsonValue.Create(deployment.Account),
            "AWS::Region" => JsonValue.Create(deployment.Region),
            "AWS::Partition" => JsonValue.Create(deployment.Partition),
            "AWS::StackName" => JsonValue.Create(deployment.StackName),
            "AWS::URLSuffix" => JsonValue.Create("amazonaws.com"),
            "AWS::StackId" => JsonValue.Create($"arn:{deployment.Partition}:cloudformation:{deployment.Region}:{deployment.Account}:stack/{deployment.StackName}/00000000-0000-0000-0000-000000000000"),
            _ => JsonValue.Create(PhysicalId(name, path)),
        };
    }

    private void RequirePresent(string resource, string path)
    {
        if (!resources.ContainsKey(resource))
        {
            throw new TemplateRenderException(template["Resources"]?[resource] is null
                ? $"{path}: {resource} is neither a parameter nor a resource"
                : $"{path}: refers to {resource}, which is not created with these parameters (its condition is false)");
        }
    }

    /// <summary>What <c>Ref</c> returns for a resource.</summary>
    private string PhysicalId(string resource, string path)
    {
        RequirePresent(resource, path);
        var type = resources[resource]["Type"]!.GetValue<string>();
        return type switch
        {
            "AWS::IAM::Role" => NamedOrGenerated(resource, "RoleName"),
            "AWS::Lambda::Function" => NamedOrGenerated(resource, "FunctionName"),
            "AWS::SNS::Topic" => $"arn:{deployment.Partition}:sns:{deployment.Region}:{deployment.Account}:{NamedOrGenerated(resource, "TopicName")}",
            "AWS::SQS::Queue" => $"https://sqs.{deployment.Region}.amazonaws.com/{deployment.Account}/{NamedOrGenerated(resource, "QueueName")}",
            "AWS::KMS::Key" => Guid.Parse(Hash(resource).AsSpan(0, 32)).ToString(),
            "AWS::SecurityHub::ActionTarget" => Attribute(resource, "ActionTargetArn", path),
            // Bucket names are global and lowercase: a generated one is at most 63 characters.
            "AWS::S3::Bucket" => RenderedProperty(resource, "BucketName") ?? GeneratedName(resource, 63).ToLowerInvariant(),
            _ => NamedOrGenerated(resource, "Name"),
        };
    }

    private string Attribute(string resource, string attribute, string path)
    {
        RequirePresent(resource, path);
        var type = resources[resource]["Type"]!.GetValue<string>();
        var p = deployment.Partition;
        var where = $"{deployment.Region}:{deployment.Account}";
        return (type, attribute) switch
        {
            ("AWS::IAM::Role", "Arn") => $"arn:{p}:iam::{deployment.Account}:role{RenderedProperty(resource, "Path") ?? "/"}{PhysicalId(resource, path)}",
            ("AWS::Lambda::Function", "Arn") => $"arn:{p}:lambda:{where}:function:{PhysicalId(resource, path)}",
            ("AWS::Events::Rule", "Arn") => $"arn:{p}:events:{where}:rule/{PhysicalId(resource, path)}",
            ("AWS::SQS::Queue", "Arn") => $"arn:{p}:sqs:{where}:{NamedOrGenerated(resource, "QueueName")}",
            ("AWS::SQS::Queue", "QueueName") => NamedOrGenerated(resource, "QueueName"),
            ("AWS::DynamoDB::Table", "Arn") => $"arn:{p}:dynamodb:{where}:table/{PhysicalId(resource, path)}",
            ("AWS::KMS::Key", "Arn") => $"arn:{p}:kms:{where}:key/{PhysicalId(resource, path)}",
            ("AWS::S3::Bucket", "Arn") => $"arn:{p}:s3:::{PhysicalId(resource, path)}",
            ("AWS::SecurityHub::ActionTarget", "ActionTargetArn") => $"arn:{p}:securityhub:{where}:action/custom/{RenderedProperty(resource, "Id")}",
            _ => throw new TemplateRenderException($"{path}: Fn::GetAtt {resource}.{attribute} ({type}) is not rendered by this checker"),
        };
    }

    private string? RenderedProperty(string resource, string property) =>
        resources[resource]["Properties"]?[property] is JsonNode node ? Text(Render(node, $"Resources.{resource}.Properties.{property}"), resource) : null;

    private string NamedOrGenerated(string resource, string nameProperty) => RenderedProperty(resource, nameProperty) ?? GeneratedName(resource);

    /// <summary>
    /// CloudFormation's generated physical name, <c>{stack}-{logical id}-{12 random}</c>, cut to 64 characters by
    /// shortening the stack name and logical id (as it does for long stack names; the random part here is a hash so
    /// that renders repeat).
    /// </summary>
    private string GeneratedName(string resource, int maxLength = 64)
    {
        var suffix = new string(Hash(deployment.StackName + "/" + resource).Where(char.IsAsciiLetterOrDigit).Take(12).Select(char.ToUpperInvariant).ToArray());
        var budget = maxLength - suffix.Length - 2;
        var stack = deployment.StackName;
        var logical = resource;
        if (stack.Length + logical.Length > budget)
        {
            var stackShare = Math.Max(budget - logical.Length, budget / 2);
            stack = stack[..Math.Min(stack.Length, stackShare)];
            logical = logical[..Math.Min(logical.Length, budget - stack.Length)];
        }

        return $"{stack}-{logical}-{suffix}";
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private string Substitute(JsonNode argument, string path)
    {
        string text;
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (argument is JsonArray form)
        {
            text = form[0]!.GetValue<string>();
            foreach (var (name, value) in form[1]!.AsObject())
            {
                variables[name] = Text(Render(value, $"{path}.{name}"), path);
            }
        }
        else
        {
            text = argument.GetValue<string>();
        }

        return SubVariable().Replace(text, match =>
        {
            var name = match.Groups[1].Value;
            if (name.StartsWith('!'))
            {
                return "${" + name[1..] + "}";
            }

            if (variables.TryGetValue(name, out var variable))
            {
                return variable;
            }

            if (parameters.TryGetValue(name, out var parameter))
            {
                return Text(parameter, $"{path}: ${{{name}}} (a list parameter cannot be substituted)");
            }

            if (PseudoParameters.Contains(name, StringComparer.Ordinal) || template["Resources"]?[name] is not null)
            {
                return Text(Reference(name, path), path);
            }

            var dot = name.IndexOf('.', StringComparison.Ordinal);
            return dot > 0 ? Attribute(name[..dot], name[(dot + 1)..], path) : throw new TemplateRenderException($"{path}: ${{{name}}} names nothing");
        });
    }

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex SubVariable();
}
