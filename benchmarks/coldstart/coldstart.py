#!/usr/bin/env python3
"""Cold and warm containment, ThreatResponse against a boto3 script, on one moto_server; and package sizes.

Run through run.sh, which publishes what this measures into PUBLISH_DIR:
  cli-r2r/, cli-jit/      threat-response published with and without ReadyToRun
  warm-r2r/, warm-jit/    WarmHost (the same engine, one process, instance after instance)
  fn-r2r/, fn-jit/        ThreatResponse.Functions for Lambda arm64, with and without ReadyToRun

Each measurement isolates its own fresh instance (two ENIs, as DemoScene builds it) and is checked afterwards: exit
code 0 and outcome "succeeded", every ENI in one group with no rules, metadata endpoint off, termination protection on.
  cold:  a fresh process per isolation, timed from start to exit (the Lambda cold-start proxy).
  warm:  one long-running process per variant, started after the cold runs; timed from the id written on its stdin to
         its answer.
Scenarios: "groups exist" (one VPC per round whose quarantine groups, ThreatResponse's and the script's own, are created
by an untimed isolation before the round), "groups created" (a new VPC per measurement, so each variant creates them),
and "groups exist, +50 ms" (the same through a proxy holding each request 50 ms: a stand-in for EC2's latency, which
moto on loopback does not have). Variants run in a rotated order each round so none gains from going first. moto is
reset before every round: it slows down as it fills (some of its lookups scan every resource), and without the reset
the later rounds measure moto, not the clients.
"""
import argparse
import http.client
import http.server
import json
import math
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import boto3

import boto3_isolate

ACCOUNT, REGION = "123456789012", "us-east-1"
HERE = Path(__file__).resolve().parent
LATENCY_S = 0.05
SETTLE_S = 0.25  # idle before each timed isolation, so one variant's leftover work (a warm host's background JIT) never lands on another's


def start_moto():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("moto_server did not start")


def start_delay_proxy(target_port, counter):
    """Forwards every request to moto after holding it LATENCY_S, counting them in counter[0]; returns its URL."""
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else a small write waits on the client's delayed ACK: +40 ms a request

        def do_POST(self):
            with lock:
                counter[0] += 1
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(LATENCY_S)
            upstream = http.client.HTTPConnection("127.0.0.1", target_port)
            upstream.request(self.command, self.path, body, {k: v for k, v in self.headers.items() if k.lower() != "expect"})
            response = upstream.getresponse()
            data = response.read()
            upstream.close()
            self.send_response(response.status)
            for k, v in response.getheaders():
                if k.lower() not in ("connection", "content-length", "transfer-encoding"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


class Scene:
    """VPCs and instances like DemoScene: the primary ENI in a web group, a second ENI in an admin group. The subnet is
    the whole VPC: the shared one holds hundreds of instances, two addresses each."""

    def __init__(self, ec2):
        self.ec2, self.count = ec2, 0

    def vpc(self):
        vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        return vpc, self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.0.0/16")["Subnet"]["SubnetId"]

    def instance(self, vpc, subnet):
        self.count += 1
        group = lambda name: self.ec2.create_security_group(GroupName=f"{name}-{self.count}", Description=name, VpcId=vpc)["GroupId"]
        web, admin = group("web-public"), group("admin-ssh")
        instance = self.ec2.run_instances(
            ImageId="ami-12c6146b", InstanceType="t3.medium", MinCount=1, MaxCount=1,
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [web]}],
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": f"web-{self.count}"}]}],
        )["Instances"][0]["InstanceId"]
        eni = self.ec2.create_network_interface(SubnetId=subnet, Groups=[admin])["NetworkInterface"]["NetworkInterfaceId"]
        self.ec2.attach_network_interface(InstanceId=instance, NetworkInterfaceId=eni, DeviceIndex=1)
        return instance

    def verify(self, instance_id, label):
        instance = self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        enis = self.ec2.describe_network_interfaces(Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}])["NetworkInterfaces"]
        groups = {g["GroupId"] for eni in enis for g in eni["Groups"]}
        per_eni = [len(eni["Groups"]) for eni in enis]
        rules = [g for g in self.ec2.describe_security_groups(GroupIds=list(groups))["SecurityGroups"] if g["IpPermissions"] or g["IpPermissionsEgress"]]
        protected = self.ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="disableApiTermination")["DisableApiTermination"]["Value"]
        problems = [p for p, bad in [
            (f"ENIs not in one isolation group: {per_eni} {groups}", per_eni != [1, 1] or len(groups) != 1),
            (f"isolation group has rules: {rules}", bool(rules)),
            ("metadata endpoint not disabled", instance["MetadataOptions"]["HttpEndpoint"] != "disabled"),
            ("termination protection off", not protected),
        ] if bad]
        if problems:
            sys.exit(f"{label} {instance_id}: {'; '.join(problems)}")


def children_cpu_ms():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def cold(command, env, label):
    """Wall time from start to exit, and the process's CPU time (user + sys), in ms."""
    cpu, start = children_cpu_ms(), time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed, cpu = (time.perf_counter() - start) * 1000, children_cpu_ms() - cpu
    try:
        outcome = json.loads(done.stdout)["outcome"]
    except ValueError:
        outcome = None
    if done.returncode != 0 or outcome != "succeeded":
        sys.exit(f"{label}: exit {done.returncode}, outcome {outcome}\n{done.stdout}\n{done.stderr}")
    return elapsed, cpu


def warm(proc, instance_id, label):
    start = time.perf_counter()
    proc.stdin.write(instance_id + "\n")
    proc.stdin.flush()
    answer = proc.stdout.readline().strip()
    elapsed = (time.perf_counter() - start) * 1000
    if answer != "succeeded":
        sys.exit(f"{label} (warm): answered {answer!r}")
    return elapsed, None


def p90(values):
    return sorted(values)[math.ceil(0.9 * len(values)) - 1]


def package_sizes(publish):
    rows = []
    for name, label in [("fn-r2r", "Functions, linux-arm64, ReadyToRun"), ("fn-jit", "Functions, linux-arm64, no ReadyToRun"),
                        ("cli-r2r", "CLI, linux-x64, ReadyToRun"), ("cli-jit", "CLI, linux-x64, no ReadyToRun")]:
        folder = publish / name
        files = [f for f in sorted(folder.rglob("*")) if f.is_file()]
        archive = publish / f"{name}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for f in files:
                z.write(f, f.relative_to(folder))
        rows.append((label, len(files), sum(f.stat().st_size for f in files), archive.stat().st_size))
    return rows


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    dotnet = subprocess.run(["dotnet", "--list-runtimes"], capture_output=True, text=True).stdout.split("\n")
    runtime = next((line.split()[1] for line in dotnet if line.startswith("Microsoft.NETCore.App")), "?")
    moto = subprocess.run([sys.executable, "-c", "import moto; print(moto.__version__)"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}, .NET {runtime}, "
            f"Python {platform.python_version()}, boto3 {boto3.__version__}, moto {moto}; load average before the run {os.getloadavg()[0]:.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--publish", type=Path, required=True, help="the folder run.sh published into")
    parser.add_argument("--runs", type=int, default=10, help="measured rounds, after one discarded warm-up round")
    parser.add_argument("--knobs", action="store_true", help="also time ReadyToRun with runtime settings (TieredPGO, TieredCompilation, concurrent GC) off, cold only")
    args = parser.parse_args()
    about = machine()

    moto, url = start_moto()
    proxied = [0]  # requests through the proxy
    proxy = start_delay_proxy(int(url.rsplit(":", 1)[1]), proxied)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION, HOME_ACCOUNT_ID=ACCOUNT)
    contain = lambda build: ["dotnet", str(args.publish / build / "threat-response.dll"), "contain", "--actions", "isolate", "--account", ACCOUNT, "--region", REGION, "--instance"]
    script = str(HERE / "boto3_isolate.py")
    # name -> (cold command, without the instance id; extra environment; warm command or None)
    variants = {
        "ThreatResponse, ReadyToRun": (contain("cli-r2r"), {}, ["dotnet", str(args.publish / "warm-r2r" / "WarmHost.dll"), ACCOUNT, REGION]),
        "ThreatResponse, no ReadyToRun (JIT)": (contain("cli-jit"), {}, ["dotnet", str(args.publish / "warm-jit" / "WarmHost.dll"), ACCOUNT, REGION]),
        # sys.executable: the interpreter itself, not a pyenv shim in front of it (which would add ~50 ms to Python).
        "boto3 script": ([sys.executable, script], {}, [sys.executable, script, "--serve"]),
    }
    if args.knobs:
        for knob in ["TieredPGO", "TieredCompilation", "gcConcurrent"]:
            variants[f"ThreatResponse, ReadyToRun, DOTNET_{knob}=0"] = (contain("cli-r2r"), {f"DOTNET_{knob}": "0"}, None)

    ec2 = boto3.client("ec2", endpoint_url=url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    scene = Scene(ec2)
    scenarios = {"groups exist": (True, url), "groups created": (False, url), f"groups exist, +{LATENCY_S * 1000:.0f} ms": (True, proxy)}
    results = {}  # (mode, scenario, variant) -> [ms]
    requests = {}  # variant -> EC2 requests for one isolation, groups exist (the last one counted)

    def fresh_round():
        """Resets moto; a VPC whose quarantine groups exist, made by isolating a throwaway instance with each tool, untimed."""
        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST")).read()
        shared = scene.vpc()
        cold(contain("cli-r2r") + [scene.instance(*shared)], dict(env, AWS_ENDPOINT_URL=url), "creating ThreatResponse's groups")
        boto3_isolate.isolate(ec2, scene.instance(*shared))
        return shared

    def rounds(mode, names, measure):
        """One discarded warm-up round, then args.runs rounds; the variants' order rotates every round."""
        for round_ in range(args.runs + 1):
            shared = fresh_round()
            for scenario, (existing_vpc, endpoint) in scenarios.items():
                for name in names[round_ % len(names):] + names[:round_ % len(names)]:
                    instance = scene.instance(*(shared if existing_vpc else scene.vpc()))
                    time.sleep(SETTLE_S)
                    before = proxied[0]
                    elapsed, cpu = measure(name, endpoint, instance)
                    if endpoint == proxy:
                        requests[name] = proxied[0] - before
                    scene.verify(instance, f"{name} ({mode}, {scenario})")
                    if round_ > 0:
                        results.setdefault((mode, scenario, name), []).append(elapsed)
                        if cpu is not None:
                            results.setdefault(("cpu", scenario, name), []).append(cpu)
            print(f"{mode}: round {round_}/{args.runs} done", file=sys.stderr)

    try:
        rounds("cold", list(variants), lambda name, endpoint, i: cold(variants[name][0] + [i], dict(env, AWS_ENDPOINT_URL=endpoint, **variants[name][1]), name))
        hosts = {(name, endpoint): subprocess.Popen(w, env=dict(env, AWS_ENDPOINT_URL=endpoint), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                 for name, (_, _, w) in variants.items() if w for endpoint in {url, proxy}}
        try:
            rounds("warm", [n for n in variants if variants[n][2]], lambda name, endpoint, i: warm(hosts[name, endpoint], i, name))
        finally:
            for host in hosts.values():
                host.stdin.close()
                host.wait(timeout=30)
    finally:
        moto.kill()
        moto.wait()

    cell = lambda key: f"{statistics.median(results[key]):.0f} / {p90(results[key]):.0f}" if key in results else "-"
    columns = [(mode, scenario) for mode in ["cold", "warm"] for scenario in scenarios]
    print(f"\nMachine: {about}.\n{args.runs} measured runs per cell after one warm-up round; median / p90 in ms.\n")
    print("| Variant | " + " | ".join(f"{'Cold (fresh process)' if m == 'cold' else 'Warm (one process)'}, {s}" for m, s in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for name in variants:
        print(f"| {name} | " + " | ".join(cell((m, s, name)) for m, s in columns) + " |")
    print("\nCPU time (user + sys) of the fresh process: what a cold start costs when the CPU is scarce (a small Lambda, a busy machine).\n")
    print("| Variant | " + " | ".join(f"Cold CPU, {s}" for s in scenarios) + " |")
    print("|---|" + "---:|" * len(scenarios))
    for name in variants:
        print(f"| {name} | " + " | ".join(cell(("cpu", s, name)) for s in scenarios) + " |")
    print("\nEC2 requests per isolation when the groups exist (counted at the proxy): "
          + ", ".join(f"{name}: {requests[name]}" for name in variants if name in requests) + ".")
    print("\n| Package (publish folder) | Files | Unzipped | Zipped (deflate) |")
    print("|---|---:|---:|---:|")
    for label, count, size, zipped in package_sizes(args.publish):
        print(f"| {label} | {count} | {size / 2**20:.1f} MB | {zipped / 2**20:.1f} MB |")
    (args.publish / "results.json").write_text(json.dumps({" / ".join(k): v for k, v in results.items()}, indent=1))


if __name__ == "__main__":
    main()
