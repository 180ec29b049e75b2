# shellcheck shell=bash
# How the host scripts' functions hand results back: on stdout, as a record of KEY=VALUE lines (values on
# one line), read with record_get; and the one place JSON is written, json_object.

# record_get KEY RECORD: the value of KEY (empty when absent).
record_get() {
  local line
  while IFS= read -r line; do
    if [[ $line == "$1="* ]]; then
      printf '%s' "${line#*=}"
      return 0
    fi
  done <<<"$2"
}

# record_line KEY VALUE: one line of a record; a line break in the value becomes a space.
record_line() {
  local value=${2//$'\r'/}
  printf '%s=%s\n' "$1" "${value//$'\n'/ }"
}

json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# json_object NAME TYPE VALUE [NAME TYPE VALUE...]: one JSON object, its fields in the order given.
#   s   a string           s?  a string, null when empty     n?  a number, null when empty
#   b   true when VALUE is "true", else false                 j   JSON as given, null when empty
json_object() {
  local body='' name type value
  while (($# >= 3)); do
    name=$1 type=$2 value=$3
    shift 3
    case $type in
      s) value=$(json_string "$value") ;;
      's?') if [[ -n $value ]]; then value=$(json_string "$value"); else value=null; fi ;;
      'n?') [[ -n $value ]] || value=null ;;
      b) if [[ $value == true ]]; then value=true; else value=false; fi ;;
      j) [[ -n $value ]] || value=null ;;
      *) printf 'json_object: unknown type %s\n' "$type" >&2; return 1 ;;
    esac
    body+="${body:+,}$(json_string "$name"):$value"
  done
  printf '{%s}' "$body"
}

# json_field NAME JSON: the value of a top-level string field of a flat JSON object, e.g. {"status":"ok"}.
json_field() {
  local pattern="\"$1\":\"([^\"]*)\""
  if [[ $2 =~ $pattern ]]; then printf '%s' "${BASH_REMATCH[1]}"; fi
}
