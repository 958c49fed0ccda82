#!/usr/bin/env bash
# Signs files with AWS Signer using only the AWS CLI: the script a release engineer would write
# instead of the action, and what `npm run bench` measures the action against.
#
#   aws-cli-sign.sh [--parallel] FILE...
#
# For each file: `aws s3api put-object` to the versioned source bucket (keeping its VersionId),
# `aws signer start-signing-job` for that version, `aws signer wait successful-signing-job`
# (the CLI's waiter: a look at once, then every 20 s), `aws signer describe-signing-job` for the
# signed object's key, and `aws s3api get-object` of it to $OUTPUT_DIR/<file name>.
# Files are signed one after another; with --parallel, all at once in the background.
#
# Environment:
#   PROFILE_NAME        signing profile (required)
#   SOURCE_BUCKET       versioned bucket for the unsigned uploads (required)
#   DESTINATION_BUCKET  where Signer writes signed objects (default: SOURCE_BUCKET)
#   SOURCE_PREFIX       key prefix of the uploads (default: unsigned/)
#   DESTINATION_PREFIX  prefix handed to Signer (default: signed/)
#   OUTPUT_DIR          where signed files are written (default: signed)
# Endpoints, Region and credentials are the CLI's own (AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3,
# AWS_ENDPOINT_URL_SIGNER, ...).
set -euo pipefail

parallel=false
if [ "${1:-}" = --parallel ]; then
  parallel=true
  shift
fi
if [ $# -eq 0 ]; then
  echo "usage: $0 [--parallel] FILE..." >&2
  exit 2
fi

: "${PROFILE_NAME:?set PROFILE_NAME}"
: "${SOURCE_BUCKET:?set SOURCE_BUCKET}"
DESTINATION_BUCKET=${DESTINATION_BUCKET:-$SOURCE_BUCKET}
SOURCE_PREFIX=${SOURCE_PREFIX:-unsigned/}
DESTINATION_PREFIX=${DESTINATION_PREFIX:-signed/}
OUTPUT_DIR=${OUTPUT_DIR:-signed}
# Unique per run, so that reruns never overwrite each other's uploads.
RUN_ID=${GITHUB_RUN_ID:-$(date +%s)}-$$

mkdir -p "$OUTPUT_DIR"

sign_one() {
  local file=$1 name key version job signed_key
  name=$(basename "$file")
  key="${SOURCE_PREFIX}${RUN_ID}/${name}"

  version=$(aws s3api put-object --bucket "$SOURCE_BUCKET" --key "$key" --body "$file" \
    --query VersionId --output text)
  if [ -z "$version" ] || [ "$version" = None ] || [ "$version" = null ]; then
    echo "$file: s3://$SOURCE_BUCKET/$key has no version ID; is the bucket versioned?" >&2
    return 1
  fi

  job=$(aws signer start-signing-job --profile-name "$PROFILE_NAME" \
    --source "{\"s3\":{\"bucketName\":\"$SOURCE_BUCKET\",\"key\":\"$key\",\"version\":\"$version\"}}" \
    --destination "{\"s3\":{\"bucketName\":\"$DESTINATION_BUCKET\",\"prefix\":\"$DESTINATION_PREFIX\"}}" \
    --query jobId --output text)

  aws signer wait successful-signing-job --job-id "$job"

  signed_key=$(aws signer describe-signing-job --job-id "$job" \
    --query signedObject.s3.key --output text)
  aws s3api get-object --bucket "$DESTINATION_BUCKET" --key "$signed_key" \
    "$OUTPUT_DIR/$name" >/dev/null
  echo "$file -> $OUTPUT_DIR/$name (job $job)"
}

if [ "$parallel" = false ]; then
  for file in "$@"; do
    sign_one "$file"
  done
  exit 0
fi

pids=()
for file in "$@"; do
  sign_one "$file" &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=$((failed + 1))
done
if [ "$failed" -gt 0 ]; then
  echo "$failed of $# files failed to sign" >&2
  exit 1
fi
