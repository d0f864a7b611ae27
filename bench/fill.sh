# Fills the reports table to a given size with generated reports, the same
# in SQLite and PostgreSQL (source it; bench/stats-load.sh and
# bench/cli-bulk.sh use it). Needs $NOW (epoch seconds) and $TEMPLATE (the id
# of one report submitted over HTTP, whose other columns every row copies).
#
# The rows: created over the 365 days before $NOW, 7 statuses (10 % received,
# 5 % assigned, 10 % in progress, 30 % resolved, 35 % closed, 5 % rejected,
# 5 % duplicate), 8 categories with their departments, the 15 districts of
# the 14 cities and counties, first responses 1 minute–3 days and resolutions
# 1 hour–10 days after submission, resolution due after 7 days. The values
# come from a Lehmer generator over the row number.

# The generated values, one row per report (the same in both dialects).
hashes() { # $1: the row source of `i`
  cat <<SQL
h1 AS (SELECT i, (i * 48271) % 2147483647 AS a FROM $1),
h2 AS (SELECT i, a, (a * 48271) % 2147483647 AS b FROM h1),
h3 AS (SELECT i, a, b, (b * 48271) % 2147483647 AS c FROM h2),
h4 AS (SELECT i, a, b, c, (c * 48271) % 2147483647 AS d FROM h3),
h5 AS (SELECT i, a, b, c, d, (d * 48271) % 2147483647 AS e FROM h4),
g AS (SELECT i,
  CASE WHEN a % 100 < 10 THEN 'received' WHEN a % 100 < 15 THEN 'assigned'
       WHEN a % 100 < 25 THEN 'in_progress' WHEN a % 100 < 55 THEN 'resolved'
       WHEN a % 100 < 90 THEN 'closed' WHEN a % 100 < 95 THEN 'rejected' ELSE 'duplicate' END AS status,
  b % 8 AS kind, c % 15 AS place,
  $NOW - d % 31536000 AS created, a % 1000000 AS micros,
  60 + e % 259140 AS respond_after, 3600 + (e / 7) % 860400 AS resolve_after
  FROM h5),
kinds (kind, category, department) AS (VALUES
  (0, 'road_damage', 'road_management'), (1, 'safety_hazard', 'safety_management'),
  (2, 'streetlight', 'streetlight_management'), (3, 'traffic_facility', 'traffic_facilities'),
  (4, 'illegal_parking', 'parking_enforcement'), (5, 'illegal_dumping', 'sanitation'),
  (6, 'illegal_signage', 'outdoor_advertising'), (7, 'pollution', 'environmental_protection')),
places (place, code, name) AS (VALUES
  (0, '35011', '전주시완산구'), (1, '35012', '전주시덕진구'), (2, '35020', '군산시'), (3, '35030', '익산시'),
  (4, '35040', '정읍시'), (5, '35050', '남원시'), (6, '35060', '김제시'), (7, '35310', '완주군'),
  (8, '35320', '진안군'), (9, '35330', '무주군'), (10, '35340', '장수군'), (11, '35350', '임실군'),
  (12, '35360', '순창군'), (13, '35370', '고창군'), (14, '35380', '부안군'))
SQL
}

# The INSERT … SELECT filling the table: every column of the template row
# `t`, but those the map names ($1: "column=expression" lines).
fill_sql() { # $1 overrides, $2 columns (one a line), $3 the CTE head
  local list="" select="" column expr
  while read -r column; do
    [ -z "$column" ] && continue
    expr=$(printf '%s\n' "$1" | awk -F'=' -v c="$column" '$1 == c { sub(/^[^=]*=/, ""); print; exit }')
    list+="${list:+, }$column"
    select+="${select:+, }${expr:-t.$column}"
  done <<< "$2"
  printf '%s\n%s\nINSERT INTO reports (%s)\nSELECT %s\nFROM g JOIN kinds AS k USING (kind) JOIN places AS p USING (place) CROSS JOIN reports AS t\nWHERE t.id = %s;\n' \
    "$3" "$(hashes "${4:-n}")" "$list" "$select" "'$TEMPLATE'"
}

fill_sqlite() { # $1 the database file, $2 the rows wanted (the template counts)
  local columns overrides
  columns=$(sqlite3 "$1" "SELECT name FROM pragma_table_info('reports') WHERE name <> 'seq'")
  ts() { echo "strftime('%Y-%m-%dT%H:%M:%S', $1, 'unixepoch') || printf('.%06dZ', micros)"; }
  overrides="id=printf('00000000-0000-7000-8000-%012x', i)
number=printf('JB-2000-%07d', i)
status=g.status
category=k.category
department=k.department
jurisdiction_code=p.code
jurisdiction_name=p.name
created_at=$(ts created)
updated_at=$(ts created)
status_changed_at=$(ts created)
respond_by=$(ts 'created + 86400')
due_at=$(ts 'created + 604800')
responded_at=CASE WHEN g.status <> 'received' THEN $(ts 'created + respond_after') END
resolved_at=CASE WHEN g.status IN ('resolved', 'closed') THEN $(ts 'created + resolve_after') END"
  { echo ".timeout 60000"
    fill_sql "$overrides" "$columns" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $(($2 - 1))),"
    echo "ANALYZE;"; } | sqlite3 "$1"
}

fill_postgres() { # $1 the database URL, $2 the rows wanted (the template counts)
  local columns overrides
  columns=$(psql -qAt "$1" -c "SELECT column_name FROM information_schema.columns WHERE table_name = 'reports' AND is_generated = 'NEVER' ORDER BY ordinal_position")
  ts() { echo "to_timestamp(($1) + micros / 1000000.0)"; }
  overrides="id=('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid
number='JB-2000-' || lpad(i::text, 7, '0')
status=g.status
category=k.category
department=k.department
jurisdiction_code=p.code
jurisdiction_name=p.name
created_at=$(ts created)
updated_at=$(ts created)
status_changed_at=$(ts created)
respond_by=$(ts 'created + 86400')
due_at=$(ts 'created + 604800')
responded_at=CASE WHEN g.status <> 'received' THEN $(ts 'created + respond_after') END
resolved_at=CASE WHEN g.status IN ('resolved', 'closed') THEN $(ts 'created + resolve_after') END"
  fill_sql "$overrides" "$columns" "WITH n AS (SELECT generate_series(1::bigint, $(($2 - 1))) AS i)," |
    psql -q -v ON_ERROR_STOP=1 "$1"
}
