#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_ctrld_swift_image: analysis images kept in Swift, on the platform
# of swift_lab.sh (a real Swift all-in-one, tusk-ctrld, the lab).
#
#   The local launcher's image (/var/lib/tusk/images/analysis, made by
#   tools/tusk-image) as a tar uploaded with tusk-swift; a session whose
#   two steps name it as swift://pilot/images/analysis.tar: fetched and
#   unpacked once ("image fetched", then "image cached"), both jobs run
#   in it under bubblewrap (numpy there; the host's Swift servers not) and
#   their outputs are real (the sha256 of /data/b.bin computed in the job);
#   the image directory is named by the tar's sha256. An object without
#   SHA-256 metadata as an image fails the step with that reason. An OCI
#   archive (a tiny image of the host's dash and coreutils, made with
#   umoci) from Swift is unpacked by skopeo and umoci and its job runs.

# shellcheck source=tests/integration/http_lib.sh
. "$(dirname "$0")/http_lib.sh"

readonly RANGE_PORT=8000
readonly FETCH_MAX_S=120
# shellcheck source=tests/integration/fetch_lib.sh
. "$(dirname "$0")/fetch_lib.sh"
# shellcheck source=tests/integration/ctrld_lib.sh
. "$(dirname "$0")/ctrld_lib.sh"

# shellcheck source=tests/integration/swift_lab.sh
. "$(dirname "$0")/swift_lab.sh"

# The analysis image as a tar, uploaded with tusk-swift.
image_upload() {
	tar -C "$IMAGE" -cf "$WORK/analysis.tar" . &&
	peer "$TUSK_SWIFT" --auth-url "$AUTH" --user test:tester --key testing \
		--segment-size $((256 << 20)) upload images analysis.tar \
		"$WORK/analysis.tar" > "$WORK/image-up.json" &&
	stat -c %s "$WORK/analysis.tar" > "$WORK/image-up.size" &&
	rm -f "$WORK/analysis.tar"
}
note "the analysis image from Swift"
image_upload > "$WORK/image-up.log" 2>&1 ||
	fail "tar and upload of the image: $(cat "$WORK/image-up.log" "$WORK/image-up.json" 2>/dev/null)"
note "image uploaded: $(cat "$WORK/image-up.size") bytes"
job='["sh", "-c", "test ! -e /usr/bin/swift-proxy-server && python3 -c \"import numpy, hashlib; print(hashlib.sha256(open(\u0027/data/b.bin\u0027, \u0027rb\u0027).read()).hexdigest(), numpy.__name__)\" > /out/r.txt"]'
id=$(submit '{"name": "image", "source": ["'$base'/set/b.bin"],
	"destination": "run6", "analysis": [
	{"launcher": "local", "image": "swift://pilot/images/analysis.tar", "job": {"command": '"$job"'}},
	{"launcher": "local", "image": "swift://pilot/images/analysis.tar", "job": {"command": '"$job"'}}]}')
wait_session "$id" FINISHED
for step in 0 1; do
	r=$WORK/ctrld/state/outputs/$(sget "$id" "s['analysis'][$step]['job_id']")/r.txt
	assert_eq "$(cat "$r")" "$(sha_of "$WORK/srv/set/b.bin") numpy" "step $step's output, computed in the image"
done
assert_eq "$(sget "$id" '",".join(e["what"] for e in s["history"] if e["what"].startswith("image"))')" \
	"image fetched,image cached" "the image's fetches"
dir=$(sget "$id" '[e["text"] for e in s["history"] if e["what"] == "image fetched"][0]')
assert_eq "$(basename "$dir")" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["sha256"])' "$WORK/image-up.json")" \
	"the image directory's name (its tar's sha256)"
[ -x "$dir/usr/bin/python3" ] || fail "no python3 in the unpacked image $dir"
echo "not an image" > "$WORK/other"
peer curl -sf -X PUT -H "X-Auth-Token: $TOK" -T "$WORK/other" "$SURL/images/nodigest.tar" ||
	fail "PUT an object without metadata"
id=$(submit '{"source": ["'$base'/set/c.dat"], "destination": "run6b", "analysis": [
	{"launcher": "local", "image": "swift://pilot/images/nodigest.tar", "job": {"command": ["true"]}}]}')
wait_session "$id" FAILED
reason=$(sget "$id" 's["reason"]')
case $reason in *"has no X-Object-Meta-Sha256"*) note "ok: $reason" ;;
	*) fail "an image without a digest: $reason" ;; esac

note "an OCI archive from Swift (skopeo and umoci unpack it)"
# A root file system of the host's dash, sha256sum and cut with their
# libraries (usr-merged, as Debian 12 is), made an OCI image with umoci
# and archived as skopeo's oci-archive reads it (a tar of the layout).
oci_image() {
	local root=$WORK/oci-root layout=$WORK/oci-layout b l
	mkdir -p "$root/usr/bin" "$root/usr/lib64" "$root/usr/lib/x86_64-linux-gnu"
	ln -s usr/bin "$root/bin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	for b in dash sha256sum cut; do
		cp "/usr/bin/$b" "$root/usr/bin/"
		for l in $(ldd "/usr/bin/$b" | grep -o '/[^ ]*'); do
			cp -n "$(readlink -f "$l")" "$root/usr${l#/usr}"
		done
	done
	ln -s dash "$root/usr/bin/sh"
	umoci init --layout "$layout" &&
	umoci new --image "$layout:img" &&
	umoci unpack --image "$layout:img" "$WORK/oci-bundle" > /dev/null &&
	cp -a "$root/." "$WORK/oci-bundle/rootfs/" &&
	umoci repack --image "$layout:img" "$WORK/oci-bundle" &&
	tar -C "$layout" -cf "$WORK/tiny.oci.tar" . &&
	peer "$TUSK_SWIFT" --auth-url "$AUTH" --user test:tester --key testing \
		upload images tiny.oci.tar "$WORK/tiny.oci.tar" > "$WORK/oci-up.json"
}
oci_image > "$WORK/oci.log" 2>&1 || fail "the OCI image: $(cat "$WORK/oci.log")"
job='["sh", "-c", "sha256sum /data/b.bin | cut -d \" \" -f1 > /out/o.txt"]'
id=$(submit '{"source": ["'$base'/set/b.bin"], "destination": "run6c", "analysis": [
	{"launcher": "local", "image": "swift://pilot/images/tiny.oci.tar", "job": {"command": '"$job"'}}]}')
wait_session "$id" FINISHED
r=$WORK/ctrld/state/outputs/$(sget "$id" "s['analysis'][0]['job_id']")/o.txt
assert_eq "$(cat "$r")" "$(sha_of "$WORK/srv/set/b.bin")" "the OCI image's job output"
dir=$(sget "$id" '[e["text"] for e in s["history"] if e["what"] == "image fetched"][0]')
[ -x "$dir/usr/bin/sha256sum" ] && [ ! -e "$dir/usr/bin/python3" ] ||
	fail "the unpacked OCI image $dir is not the tiny one"

"$TUSKCTL" -s "$CTRLD_SOCK" session list
echo "PASS: $TEST_NAME"
