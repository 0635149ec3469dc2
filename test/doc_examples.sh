#!/usr/bin/env bash
# test/doc_examples.sh — the outputs pasted in the docs are real and current.
#
# Every output block in README.md and doc/*.md is a fenced block marked by
#     <!-- example: NAME -->
# on the line before it.  sql/doc_examples.sql runs the page's query under
# "-- example: NAME"; pg_regress checks its output against
# expected/doc_examples.out, and this script checks that each marked block
# appears there verbatim (as consecutive lines of the query's output, the
# echoed query left out) under its name.  It also
# fails on:
#   - an output block without a marker: a bare fenced block right after an
#     ```sql block, or one that shows an ERROR;
#   - one name used by two blocks, or one output pasted in two places;
#   - a marker without a block, a name that sql/doc_examples.sql does not
#     define, and a name it defines that no page shows;
#   - with a server to talk to (psql's PG* environment, as inside
#     test/run.sh's cluster): an object of the extension (pg_depend deptype
#     'e') missing from the object map of doc/README.md, listed twice, or
#     not named on the page the map gives it.
# Pages other engineers keep on their own (listed in UNCHECKED below) are not
# required to mark their outputs.
#
# Output: TAP ("ok N - ...", "not ok N - ...", "1..N"); exit status 1 on any
# failure.  Usage: test/doc_examples.sh [EXPECTED_FILE]
set -uo pipefail
cd "$(dirname "$0")/.."

EXPECTED=${1:-expected/doc_examples.out}
UNCHECKED="doc/benchmarks.md doc/security.md doc/testing.md doc/unusual-data.md"

objects=""
if [ -n "${PGHOST:-}${PGPORT:-}" ] && psql -X -q -At -c 'SELECT 1' >/dev/null 2>&1; then
    db=crm_doc_objects_$$
    if psql -X -q -c "CREATE DATABASE $db" >/dev/null 2>&1; then
        objects=$(psql -X -q -At -d "$db" -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION crm_loyalty;
SELECT DISTINCT CASE c.relname
         WHEN 'pg_proc' THEN (SELECT proname FROM pg_proc WHERE oid = d.objid)
         WHEN 'pg_type' THEN (SELECT typname FROM pg_type WHERE oid = d.objid)
         WHEN 'pg_class' THEN (SELECT relname FROM pg_class WHERE oid = d.objid)
         ELSE c.relname || ':' || pg_describe_object(d.classid, d.objid, d.objsubid) END
FROM pg_depend d
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'crm_loyalty'
JOIN pg_class c ON c.oid = d.classid
WHERE d.deptype = 'e' AND c.relname <> 'pg_cast'
ORDER BY 1;
SQL
        ) || objects="ERROR: could not list the extension's objects"
        psql -X -q -c "DROP DATABASE $db" >/dev/null 2>&1
    fi
fi

CRM_DOC_OBJECTS="$objects" python3 - "$EXPECTED" $UNCHECKED <<'PY'
import glob, os, re, sys

expected_path, unchecked = sys.argv[1], set(sys.argv[2:])
MARK = re.compile(r'^<!-- example: ([A-Za-z0-9_.-]+) -->\s*$')
results = []
def check(ok, what, quiet=False):
    """record a check; a quiet one is printed only when it fails"""
    if not ok or not quiet:
        results.append((bool(ok), what))

# Sections: "-- example: NAME" up to the next example, the next page's
# "-- =====" line or the next "-- setup" comment, in the SQL file and in its
# expected output.  A section's output is its lines in the expected file
# without the echo of its SQL lines (psql -a echoes every input line), with
# runs of blank lines collapsed and blank lines at the ends dropped.
def read_sections(path, what):
    sections, cur = {}, None
    for line in open(path, encoding='utf-8').read().split('\n'):
        m = re.match(r'^-- example: ([A-Za-z0-9_.-]+)\s*$', line)
        if m:
            cur = m.group(1)
            check(cur not in sections, f'example {cur} is defined once in {what}', quiet=True)
            sections[cur] = []
        elif line.startswith('-- =====') or line.startswith('-- setup'):
            cur = None
        elif cur is not None:
            sections[cur].append(line)
    return sections

def output_of(out_lines, sql_lines):
    echo = [l for l in sql_lines if l.strip() != '']
    j, kept = 0, []
    for line in out_lines:
        if j < len(echo) and line == echo[j]:
            j += 1
        elif line.strip() == '' and (not kept or kept[-1].strip() == ''):
            continue
        else:
            kept.append(line)
    while kept and kept[-1].strip() == '':
        kept.pop()
    return kept

sql_sections = read_sections('sql/doc_examples.sql', 'sql/doc_examples.sql')
out_sections = read_sections(expected_path, expected_path)
sections = {name: output_of(lines, sql_sections.get(name, []))
            for name, lines in out_sections.items()}
for name in sql_sections:
    check(name in out_sections, f'example {name} of sql/doc_examples.sql is in {expected_path}', quiet=True)

def fenced_blocks(lines):
    out, i = [], 0
    while i < len(lines):
        if lines[i].startswith('```'):
            j = i + 1
            while j < len(lines) and not lines[j].startswith('```'):
                j += 1
            m = MARK.match(lines[i - 1]) if i > 0 else None
            out.append(dict(lang=lines[i][3:].strip(), open=i, close=j,
                            body=lines[i + 1:j], name=m.group(1) if m else None))
            i = j + 1
        else:
            i += 1
    return out

def contains(hay, needle):
    n = len(needle)
    return any(hay[k:k + n] == needle for k in range(len(hay) - n + 1))

used, bodies = {}, {}
for path in ['README.md'] + sorted(glob.glob('doc/*.md')):
    lines = open(path, encoding='utf-8').read().split('\n')
    blocks = fenced_blocks(lines)
    starts = {b['open'] for b in blocks}
    for k, line in enumerate(lines):
        if MARK.match(line):
            check(k + 1 in starts, f'{path}:{k + 1}: marker followed by a fenced block', quiet=True)
    for idx, b in enumerate(blocks):
        where = f"{path}:{b['open'] + 1}"
        prev = blocks[idx - 1] if idx > 0 else None
        after_sql = (b['lang'] == '' and prev is not None and prev['lang'] == 'sql'
                     and b['open'] - prev['close'] - 1 <= (1 if b['name'] else 0))
        shows_error = b['lang'] == '' and any(l.startswith('ERROR:  ') for l in b['body'])
        if b['name'] is None:
            if path not in unchecked and (after_sql or shows_error):
                check(False, f'{where}: output block without an <!-- example: NAME --> marker')
            continue
        name = b['name']
        check(name not in used, f'{where}: example {name} is shown once'
              + (f' (also at {used[name]})' if name in used else ''), quiet=True)
        used.setdefault(name, where)
        text = '\n'.join(b['body'])
        if len(b['body']) > 2:
            check(text not in bodies, f'{where}: output not pasted elsewhere'
                  + (f' (same as {bodies[text]})' if text in bodies else ''), quiet=True)
            bodies.setdefault(text, where)
        if name not in sections:
            check(False, f'{where}: example {name} is defined in sql/doc_examples.sql and its expected output')
            continue
        check(b['body'] and contains(sections[name], b['body']),
              f'{where}: example {name} matches {expected_path}')
for name in sections:
    check(name in used, f'example {name} of {expected_path} is shown on a page', quiet=True)

# the object map of doc/README.md against the installed extension
objects = os.environ.get('CRM_DOC_OBJECTS', '')
if objects:
    index = open('doc/README.md', encoding='utf-8').read()
    part = index.split('## Objects by page', 1)[1].split('\n## ', 1)[0]
    rows = {}
    for line in part.split('\n'):
        m = re.match(r'^\| \[([a-z-]+\.md)\]\([a-z-]+\.md\) \| (.*) \|$', line)
        if m:
            rows[m.group(1)] = set(re.findall(r'`([a-z_0-9]+)`', m.group(2)))
    for obj in objects.split('\n'):
        if obj.startswith('ERROR') or ':' in obj:
            check(False, f'object {obj} can be mapped to a page')
            continue
        pages = [p for p, names in rows.items() if obj in names]
        check(len(pages) == 1, f'{obj} is mapped to one page in doc/README.md'
              + (f' (found on {len(pages)})' if len(pages) != 1 else ''), quiet=True)
        if len(pages) == 1:
            page_text = open('doc/' + pages[0], encoding='utf-8').read()
            check(re.search(r'`' + obj + r'[`(]|^\s*' + obj + r'\(', page_text, re.M),
                  f'{obj} is documented on doc/{pages[0]}')
else:
    print('# SKIP object map: no server to list the extension objects from')

for k, (ok, what) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {k} - {what}")
print(f'1..{len(results)}')
sys.exit(0 if all(ok for ok, _ in results) else 1)
PY
