#!/usr/bin/env bash
# Peak memory of the server while it takes N concurrent photo uploads.
#
#   bench/photo-upload.sh            # 8 concurrent uploads of one ~9.1 MiB, 12-megapixel JPEG each
#   UPLOADS=16 bench/photo-upload.sh
#
# Needs vips (Debian: libvips-tools) to make the photo, curl and jq. Starts a
# release server on 127.0.0.1:18082 over a temporary data directory, records its
# resident memory (VmRSS) after start, then fires the uploads at once and reads
# the peak (VmHWM) when they are done. Uploads are processed inline: each
# response comes after the public copy and both thumbnails are stored.
set -euo pipefail
cd "$(dirname "$0")/.."

UPLOADS=${UPLOADS:-8}
ADDR=127.0.0.1:18082
API=http://$ADDR/api/v1

cargo build --release -q -p sinmungo-server
BIN=${CARGO_TARGET_DIR:-target}/release/sinmungo-server
DATA=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT

# A 4000 x 3000 photo of noise: the worst case for JPEG, so Q90 lands near the 10 MiB limit.
vips gaussnoise "$DATA/n.v" 4000 3000 --mean 128 --sigma 80
vips cast "$DATA/n.v" "$DATA/n8.v" uchar
vips bandjoin "$DATA/n8.v $DATA/n8.v $DATA/n8.v" "$DATA/rgb.v"
vips jpegsave "$DATA/rgb.v" "$DATA/photo.jpg" --Q 90
PHOTO_BYTES=$(stat -c %s "$DATA/photo.jpg")

SINMUNGO_LOG=warn "$BIN" --listen $ADDR --data-dir "$DATA" \
  --database-url "sqlite://$DATA/sinmungo.db" --storage-url "file://$DATA/media" &
SERVER=$!
for _ in $(seq 100); do curl -sf http://$ADDR/ready >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -X POST $API/auth/register -H 'content-type: application/json' \
  -d '{"email":"photos@example.kr","password":"load-test-2026","display_name":"사진시험"}' | jq -r .access_token)

rss() { awk -v k="$1:" '$1 == k { print $2 }' /proc/$SERVER/status; }
echo "== machine: $(nproc) cores; $(rustc --version)"
echo "== photo: $PHOTO_BYTES bytes, 4000 x 3000; $UPLOADS concurrent uploads"
echo "   server RSS after start: $(( $(rss VmRSS) / 1024 )) MiB"
start=$(date +%s.%N)
for i in $(seq "$UPLOADS"); do
  curl -s -o "$DATA/out.$i" -w "%{http_code} %{time_total}s\n" -X POST "$API/reports" \
    -H "Authorization: Bearer $TOKEN" \
    -F title="포트홀 사진 $i" -F description="집 앞 도로에 큰 포트홀이 생겼어요" \
    -F lat=35.8242 -F lng=127.1480 -F "photos=@$DATA/photo.jpg;type=image/jpeg" &
done
wait $(jobs -p | grep -v "^$SERVER$") 2>/dev/null || true
end=$(date +%s.%N)
echo "   all $UPLOADS answered in $(echo "$end - $start" | bc) s"
echo "   server peak RSS (VmHWM): $(( $(rss VmHWM) / 1024 )) MiB"
echo "   stored: $(find "$DATA/media" -type f | wc -l) blobs, $(du -sm "$DATA/media" | cut -f1) MiB"
