#!/bin/sh
# ThreatResponse volatile-evidence collection (issue 18), run by Systems Manager Run Command on a Linux instance.
# POSIX sh and common tools only; every part that lacks its tool or permission says so in the archive instead of failing.
#
#   collect-evidence.sh UPLOAD_URL [MAX_BYTES] [LABEL] [WRITABLE_DIRS]
#
# UPLOAD_URL     a pre-signed S3 PUT URL for one object key: the instance needs no S3 permission and can write nowhere else.
# MAX_BYTES      size cap of the archive (default 104857600, 100 MiB): copied file contents are dropped first when over it.
# LABEL          what the archive is for (account/region/instance/finding), written into the manifest.
# WRITABLE_DIRS  world-writable directories searched for recently changed files (default "/tmp /var/tmp /dev/shm").
#
# Prints, on success, key=value lines the function reads back: archive_sha256, archive_bytes, files, started, finished.
set -u
umask 077
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH LC_ALL=C

url=${1:?usage: collect-evidence.sh UPLOAD_URL [MAX_BYTES] [LABEL]}
max_bytes=${2:-104857600}
label=${3:-unlabelled}
writable_dirs=${4:-/tmp /var/tmp /dev/shm}
copy_limit=1048576  # a single copied file (history, cron entry, dropped file) is cut to 1 MiB
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

work=$(mktemp -d "${TMPDIR:-/tmp}/threatresponse.XXXXXX") || { echo "error=cannot create a working directory"; exit 70; }
trap 'rm -rf "$work"' EXIT HUP INT TERM
out=$work/evidence
mkdir -p "$out/files"
skipped=$out/skipped.txt
: > "$skipped"

have() { command -v "$1" >/dev/null 2>&1; }

# run NAME COMMAND...: its output (and errors) into NAME; a missing tool is noted, not fatal. Each command is bounded.
run() {
    name=$1; shift
    if ! have "$1"; then echo "$name: $1 not available" >> "$skipped"; return 0; fi
    if have timeout; then timeout 60 "$@" > "$out/$name" 2>&1; else "$@" > "$out/$name" 2>&1; fi
    status=$?
    [ "$status" -eq 0 ] || echo "$name: exit $status" >> "$skipped"
}

# keep PATH...: copies of readable regular files under files/<original path>, each cut to copy_limit bytes.
keep() {
    for f in "$@"; do
        [ -f "$f" ] && [ -r "$f" ] || continue
        mkdir -p "$out/files$(dirname "$f")"
        head -c "$copy_limit" "$f" > "$out/files$f" 2>/dev/null || echo "copy $f: failed" >> "$skipped"
    done
}

# Processes: pid, executable (a deleted one is hashed through /proc), command line, and the SHA-256 of each binary.
printf 'pid\tppid\tuser\texecutable\tsha256\tcommand\n' > "$out/processes.tsv"
for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [ -r "$dir/status" ] || continue
    exe=$(readlink "$dir/exe" 2>/dev/null) || exe=
    hash=-
    if [ -n "$exe" ]; then
        case $exe in
            *" (deleted)") hash=$(sha256sum "$dir/exe" 2>/dev/null | cut -d' ' -f1) ;;
            *) hash=$(sha256sum "$exe" 2>/dev/null | cut -d' ' -f1) ;;
        esac
        [ -n "$hash" ] || hash=unreadable
    fi
    ppid=$(sed -n 's/^PPid:[[:space:]]*//p' "$dir/status" 2>/dev/null)
    uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "$dir/status" 2>/dev/null)
    command=$(tr '\000\t\n' '   ' < "$dir/cmdline" 2>/dev/null | cut -c1-1024)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$pid" "$ppid" "$uid" "${exe:--}" "$hash" "$command" >> "$out/processes.tsv"
done
run ps.txt ps -eo pid,ppid,user,lstart,etime,stat,args

# Network: connections and listening sockets, with the kernel's own tables beside the tools' views.
run connections.txt ss -tanpue
run listening.txt ss -tulpne
if ! have ss; then run connections.txt netstat -tanpe; run listening.txt netstat -tulpne; fi
for table in tcp tcp6 udp udp6 raw raw6 unix; do keep "/proc/net/$table"; done
run routes.txt ip route show table all
run addresses.txt ip addr show
run neighbours.txt ip neigh show

# Users: logged in now and recently.
run who.txt who -a
run w.txt w
run last.txt last -F -n 200
run lastlog.txt lastlog

# Kernel modules, mounts.
keep /proc/modules /proc/mounts /proc/cmdline /proc/version
[ -r /proc/modules ] || echo "modules: /proc/modules not available (a kernel without loadable modules, or a sandbox)" >> "$skipped"
run lsmod.txt lsmod
run uptime.txt uptime

# Persistence: cron and systemd timers and units.
keep /etc/crontab /etc/anacrontab /etc/rc.local
for f in /etc/cron.d/* /etc/cron.hourly/* /etc/cron.daily/* /etc/cron.weekly/* /etc/cron.monthly/* /var/spool/cron/* /var/spool/cron/crontabs/*; do keep "$f"; done
run systemd-timers.txt systemctl list-timers --all --no-pager
run systemd-units.txt systemctl list-units --all --no-pager
for f in /etc/systemd/system/*.service /etc/systemd/system/*.timer; do keep "$f"; done
keep /etc/ld.so.preload /etc/passwd /etc/group /etc/sudoers
for f in /root/.ssh/authorized_keys /home/*/.ssh/authorized_keys; do keep "$f"; done

# Shell histories.
for f in /root/.*history /home/*/.*history; do keep "$f"; done

# Recently changed files (3 days) in world-writable directories: listed and hashed; small ones kept.
printf 'sha256\tbytes\tmodified\tpath\n' > "$out/recent-world-writable.tsv"
for top in $writable_dirs; do
    [ -d "$top" ] || continue
    find "$top" -xdev -type f -mtime -3 ! -path "$work/*" 2>/dev/null | head -n 2000 | while IFS= read -r f; do
        bytes=$(wc -c < "$f" 2>/dev/null | tr -d ' ') || bytes=0
        hash=$(sha256sum "$f" 2>/dev/null | cut -d' ' -f1)
        modified=$(date -u -r "$f" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
        printf '%s\t%s\t%s\t%s\n' "${hash:-unreadable}" "${bytes:-0}" "${modified:--}" "$f" >> "$out/recent-world-writable.tsv"
        [ "${bytes:-0}" -le "$copy_limit" ] 2>/dev/null && keep "$f"
    done
done

# Manifest: what, when, and the SHA-256 of every collected file.
finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
    echo "collector=threat-response collect-evidence.sh 1"
    echo "label=$label"
    echo "host=$(uname -n 2>/dev/null)"
    echo "kernel=$(uname -r 2>/dev/null)"
    echo "started=$started"
    echo "finished=$finished"
    echo "max_bytes=$max_bytes"
    echo "writable_dirs=$writable_dirs"
} > "$out/collection.txt"

manifest() { (cd "$work" && find evidence -type f ! -name manifest.sha256 | sort | while IFS= read -r f; do sha256sum "$f"; done) > "$out/manifest.sha256"; }
pack() { tar -czf "$work/evidence.tar.gz" -C "$work" evidence 2>/dev/null; }
size() { wc -c < "$work/evidence.tar.gz" | tr -d ' '; }

manifest
pack || { echo "error=packing failed"; exit 71; }
if [ "$(size)" -gt "$max_bytes" ]; then
    # Over the cap: drop the copied contents, keep every listing, hash and the manifest of what was dropped.
    (cd "$out" && find files -type f | sort) > "$out/dropped-copies.txt"
    rm -rf "$out/files"
    echo "copied files: dropped, the archive was over $max_bytes bytes (see dropped-copies.txt)" >> "$skipped"
    manifest
    pack || { echo "error=packing failed"; exit 71; }
fi
bytes=$(size)
if [ "$bytes" -gt "$max_bytes" ]; then echo "error=archive of $bytes bytes is over the cap of $max_bytes even without copies"; exit 72; fi
archive_sha256=$(sha256sum "$work/evidence.tar.gz" | cut -d' ' -f1)

# Content-MD5 (base64 of the binary digest): S3 requires it, or a checksum header, on uploads to a bucket with a default
# Object Lock retention — and checks the body against it.
md5_base64() {
    if have openssl; then openssl dgst -md5 -binary "$1" | openssl base64 -A; return; fi
    hex=$(md5sum "$1" | cut -d' ' -f1)
    while [ -n "$hex" ]; do
        pair=${hex%"${hex#??}"}; hex=${hex#??}
        # shellcheck disable=SC2059 # the format is the byte itself, as an octal escape
        printf "\\$(printf '%03o' "0x$pair")"
    done | base64
}
content_md5=$(md5_base64 "$work/evidence.tar.gz")

# Upload through the pre-signed URL only.
if have curl; then
    curl -fsS --max-time 300 -X PUT -H 'Content-Type: application/gzip' -H "Content-MD5: $content_md5" --upload-file "$work/evidence.tar.gz" "$url" > "$work/upload.log" 2>&1
elif have wget; then
    wget -q -T 300 --method=PUT --header='Content-Type: application/gzip' --header="Content-MD5: $content_md5" --body-file="$work/evidence.tar.gz" -O "$work/upload.log" "$url" 2>>"$work/upload.log"
else
    echo "error=neither curl nor wget is available to upload"; exit 73
fi
status=$?
if [ "$status" -ne 0 ]; then echo "error=upload failed ($status): $(head -c 300 "$work/upload.log" | tr '\n' ' ')"; exit 74; fi

echo "archive_sha256=$archive_sha256"
echo "archive_bytes=$bytes"
echo "files=$(grep -c '' "$out/manifest.sha256")"
echo "started=$started"
echo "finished=$finished"
