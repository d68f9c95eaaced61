#!/usr/bin/env python3
"""Isolate an EC2 instance the way the Python peers do: a straightforward, sequential boto3 script.

    boto3_isolate.py INSTANCE_ID    isolate one instance, print {"instanceId", "outcome"}, exit 0
    boto3_isolate.py --serve        warm: one process, one client; reads an instance id per stdin line, isolates it,
                                    answers with the outcome on one stdout line

What it does, in order, one request at a time:
  1. DescribeInstances: the VPC and the ENIs.
  2. Find the VPC's isolation group by tag (Purpose=boto3-isolation); if there is none, create it and revoke its
     default allow-all egress rule (a new group has no ingress rules).
  3. Per ENI, ModifyNetworkInterfaceAttribute Groups=[isolation group].
  4. Termination protection on (ModifyInstanceAttribute DisableApiTermination).
  5. Instance metadata endpoint disabled (ModifyInstanceMetadataOptions HttpEndpoint=disabled).

What it omits, compared with ThreatResponse's isolate (so it does less work, and sends fewer requests):
  - the all-open conversion group and the connection-tracking timeouts: tracked connections already open (an attacker's
    shell) stay open for up to 5 days after the groups change;
  - the saved pre-isolation state (groups per ENI, profile, metadata options, attributes), so no release;
  - the instance-profile disassociation and the shutdown-behaviour change;
  - the quarantine status tags, exemption tag and allowed-account checks, idempotency per finding, repair of a group
    someone added rules to, putting an ENI's groups back when isolation fails half-way, a per-step report;
  - snapshots and the notification (ThreatResponse does not do these for `contain --actions isolate` either).
Credentials, Region (AWS_REGION as Lambda sets it, else boto3's own chain) and endpoint (AWS_ENDPOINT_URL for the
emulator) come from the environment, as in a Lambda function.
"""
import json
import os
import sys

import boto3

TAG_KEY, TAG_VALUE = "Purpose", "boto3-isolation"


def isolation_group(ec2, vpc_id):
    found = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": f"tag:{TAG_KEY}", "Values": [TAG_VALUE]}]
    )["SecurityGroups"]
    if found:
        return found[0]["GroupId"]
    group_id = ec2.create_security_group(
        GroupName=f"boto3-isolation-{vpc_id}",
        Description="Isolation: no ingress, no egress",
        VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": TAG_KEY, "Value": TAG_VALUE}]}],
    )["GroupId"]
    ec2.revoke_security_group_egress(
        GroupId=group_id, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    return group_id


def isolate(ec2, instance_id):
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    group_id = isolation_group(ec2, instance["VpcId"])
    for eni in instance["NetworkInterfaces"]:
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni["NetworkInterfaceId"], Groups=[group_id])
    ec2.modify_instance_attribute(InstanceId=instance_id, DisableApiTermination={"Value": True})
    ec2.modify_instance_metadata_options(InstanceId=instance_id, HttpEndpoint="disabled")
    return "succeeded"


def main(argv):
    ec2 = boto3.client("ec2", region_name=os.environ.get("AWS_REGION"))
    if argv[1] == "--serve":
        for line in sys.stdin:
            print(isolate(ec2, line.strip()), flush=True)
        return 0
    instance_id = argv[1]
    print(json.dumps({"instanceId": instance_id, "outcome": isolate(ec2, instance_id)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
