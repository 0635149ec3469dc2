#!/usr/bin/env python3
"""test/package/meta.py — checks META.json, the PGXN distribution metadata.

Validates META.json against the PGXN Meta Spec 1.0 (the keys, their types
and the formats of terms, versions, version ranges, licences, paths and
tags), then checks that it is in step with the rest of the tree: its
version and the version of the crm_loyalty extension it provides equal
default_version in crm_loyalty.control and the upstream version of the
newest entry of debian/changelog, its abstract is the control file's
comment, the files it names exist, PostgreSQL 15 is its least runtime
prerequisite (the install scripts need 15), and debian/copyright carries
the licence text of LICENSE.

Negative controls change one thing at a time and require the check to
report it, so the check cannot pass by checking nothing.  Output is TAP.
Standard library only.  Run from anywhere: test/package/meta.py
"""
import copy
import json
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

SEMVER = (r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
          r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
          r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?")
VERSION_RE = re.compile("^" + SEMVER + "$")
RANGE_PART_RE = re.compile(r"^(?:([=!]=|[<>]=?)\s*)?(" + SEMVER + r"|0)$")
CONTROL_CHARS = "".join(chr(c) for c in list(range(32)) + [127])
LICENSES = {"agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd",
            "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit",
            "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay",
            "sun", "zlib", "open_source", "restricted", "unrestricted", "unknown"}
TOP_KEYS = {"name", "version", "abstract", "maintainer", "license", "provides", "meta-spec",
            "description", "generated_by", "tags", "no_index", "prereqs", "release_status",
            "resources"}
REQUIRED = ["name", "version", "abstract", "maintainer", "license", "provides", "meta-spec"]
PHASES = {"configure", "build", "test", "runtime", "develop"}
RELATIONS = {"requires", "recommends", "suggests", "conflicts"}
SPEC_URLS = {"https://pgxn.org/meta/spec.txt", "http://pgxn.org/meta/spec.txt"}
MIN_POSTGRESQL = (15, 0, 0)


def custom(key):
    """x_ and X_ keys are allowed everywhere."""
    return isinstance(key, str) and len(key) > 2 and key[:2] in ("x_", "X_")


def is_term(v):
    return (isinstance(v, str) and len(v) >= 2
            and not any(c in v for c in "/\\" + CONTROL_CHARS) and not any(c.isspace() for c in v))


def is_tag(v):
    return (isinstance(v, str) and 2 <= len(v) <= 255
            and not any(c in v for c in "/\\" + CONTROL_CHARS))


def is_path(v):
    """A relative path in unix conventions."""
    return (isinstance(v, str) and len(v) >= 2 and not v.startswith("/") and "\\" not in v
            and ".." not in v.split("/") and not any(c in v for c in CONTROL_CHARS))


def is_uri(v):
    return isinstance(v, str) and re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+$", v) is not None


def is_email(v):
    return isinstance(v, str) and re.match(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$", v) is not None


def is_version_range(v):
    if v == 0 and not isinstance(v, bool):
        return True
    if not isinstance(v, str):
        return False
    return all(RANGE_PART_RE.match(p.strip()) for p in v.split(","))


def keys_ok(obj, allowed, where, errors):
    for k in obj:
        if k not in allowed and not custom(k):
            errors.append(f"{where}: unknown key {k!r}")


def version_tuple(v):
    m = VERSION_RE.match(v)
    return tuple(int(m.group(i)) for i in (1, 2, 3))


def postgresql_minimum(rng):
    """The least PostgreSQL version a runtime 'requires' range admits, or None."""
    if rng == 0:
        return (0, 0, 0)
    least = None
    for part in rng.split(","):
        m = RANGE_PART_RE.match(part.strip())
        op, ver = m.group(1) or ">=", m.group(2)
        if ver == "0":
            ver = "0.0.0"
        if op in (">=", "=="):
            t = version_tuple(ver)
        elif op == ">":
            t = version_tuple(ver)[:2] + (version_tuple(ver)[2] + 1,)
        else:
            continue
        least = t if least is None else max(least, t)
    return least if least is not None else (0, 0, 0)


# ---- the checks: each returns a list of errors ------------------------------

def check_spec(meta):
    """The PGXN Meta Spec 1.0 rules."""
    e = []
    if not isinstance(meta, dict):
        return ["META.json is not a JSON object"]
    for k in REQUIRED:
        if k not in meta:
            e.append(f"required key {k!r} is missing")
    keys_ok(meta, TOP_KEYS, "top level", e)
    if "name" in meta and not is_term(meta["name"]):
        e.append("name: not a term (2+ characters, no slash, backslash, space or control character)")
    if "version" in meta and not (isinstance(meta["version"], str) and VERSION_RE.match(meta["version"])):
        e.append(f"version: {meta['version']!r} is not a semantic version")
    for k in ("abstract", "description", "generated_by"):
        if k in meta and not (isinstance(meta[k], str) and meta[k]):
            e.append(f"{k}: not a non-empty string")
    m = meta.get("maintainer")
    if "maintainer" in meta and not (
            (isinstance(m, str) and m)
            or (isinstance(m, list) and m and all(isinstance(x, str) and x for x in m)
                and len(set(m)) == len(m))):
        e.append("maintainer: not a string or a list of distinct non-empty strings")
    lic = meta.get("license")
    if "license" in meta:
        if isinstance(lic, str):
            if lic not in LICENSES:
                e.append(f"license: {lic!r} is not a PGXN licence name")
        elif isinstance(lic, list):
            if not lic or len(set(map(str, lic))) != len(lic) or any(x not in LICENSES for x in lic):
                e.append("license: a list must hold distinct PGXN licence names")
        elif isinstance(lic, dict):
            if not lic or not all(is_uri(v) for v in lic.values()):
                e.append("license: an object must map licence names to URIs")
        else:
            e.append("license: not a string, list or object")
    ms = meta.get("meta-spec")
    if "meta-spec" in meta:
        if not isinstance(ms, dict) or "version" not in ms:
            e.append("meta-spec: not an object with a version")
        else:
            keys_ok(ms, {"version", "url"}, "meta-spec", e)
            if not (isinstance(ms["version"], str) and re.match(r"^1\.0\.[0-9]+$", ms["version"])):
                e.append(f"meta-spec: version {ms['version']!r} is not 1.0.x")
            if "url" in ms and ms["url"] not in SPEC_URLS:
                e.append(f"meta-spec: url {ms['url']!r} is not the spec's")
    pv = meta.get("provides")
    if "provides" in meta:
        if not isinstance(pv, dict) or not pv:
            e.append("provides: not a non-empty object")
        else:
            for ext, d in pv.items():
                where = f"provides.{ext}"
                if not is_term(ext):
                    e.append(f"{where}: the extension name is not a term")
                if not isinstance(d, dict):
                    e.append(f"{where}: not an object")
                    continue
                keys_ok(d, {"file", "version", "abstract", "docfile", "docpath"}, where, e)
                for k in ("file", "version"):
                    if k not in d:
                        e.append(f"{where}: required key {k!r} is missing")
                if "version" in d and not (isinstance(d["version"], str) and VERSION_RE.match(d["version"])):
                    e.append(f"{where}.version: {d['version']!r} is not a semantic version")
                for k in ("file", "docfile"):
                    if k in d and not is_path(d[k]):
                        e.append(f"{where}.{k}: {d[k]!r} is not a relative unix path")
                for k in ("abstract", "docpath"):
                    if k in d and not (isinstance(d[k], str) and d[k]):
                        e.append(f"{where}.{k}: not a non-empty string")
    pr = meta.get("prereqs")
    if "prereqs" in meta:
        if not isinstance(pr, dict) or not any(p in pr for p in PHASES):
            e.append("prereqs: not an object with a phase (configure, build, test, runtime, develop)")
        else:
            keys_ok(pr, PHASES, "prereqs", e)
            for ph, rels in pr.items():
                if custom(ph):
                    continue
                if not isinstance(rels, dict) or not any(r in rels for r in RELATIONS):
                    e.append(f"prereqs.{ph}: not an object with a relationship (requires, ...)")
                    continue
                keys_ok(rels, RELATIONS, f"prereqs.{ph}", e)
                for rel, deps in rels.items():
                    if custom(rel):
                        continue
                    if not isinstance(deps, dict) or not deps:
                        e.append(f"prereqs.{ph}.{rel}: not a non-empty object")
                        continue
                    for name, rng in deps.items():
                        if not is_term(name):
                            e.append(f"prereqs.{ph}.{rel}: {name!r} is not a term")
                        if not is_version_range(rng):
                            e.append(f"prereqs.{ph}.{rel}.{name}: {rng!r} is not a version range")
    rs = meta.get("resources")
    if "resources" in meta:
        if not isinstance(rs, dict) or not any(k in rs for k in ("homepage", "bugtracker", "repository")):
            e.append("resources: not an object with homepage, bugtracker or repository")
        else:
            keys_ok(rs, {"homepage", "bugtracker", "repository"}, "resources", e)
            if "homepage" in rs and not is_uri(rs["homepage"]):
                e.append("resources.homepage: not a URI")
            bt = rs.get("bugtracker")
            if "bugtracker" in rs:
                if not isinstance(bt, dict) or not ("web" in bt or "mailto" in bt):
                    e.append("resources.bugtracker: not an object with web or mailto")
                else:
                    keys_ok(bt, {"web", "mailto"}, "resources.bugtracker", e)
                    if "web" in bt and not is_uri(bt["web"]):
                        e.append("resources.bugtracker.web: not a URI")
                    if "mailto" in bt and not is_email(bt["mailto"]):
                        e.append("resources.bugtracker.mailto: not an e-mail address")
            rp = rs.get("repository")
            if "repository" in rs:
                if not isinstance(rp, dict) or not (("url" in rp and "type" in rp) or "web" in rp):
                    e.append("resources.repository: not an object with url and type, or web")
                else:
                    keys_ok(rp, {"url", "web", "type"}, "resources.repository", e)
                    for k in ("url", "web"):
                        if k in rp and not is_uri(rp[k]):
                            e.append(f"resources.repository.{k}: not a URI")
                    if "type" in rp and not (isinstance(rp["type"], str) and re.match(r"^[a-z]+$", rp["type"])):
                        e.append("resources.repository.type: not lower-case letters")
    tg = meta.get("tags")
    if "tags" in meta:
        if not isinstance(tg, list) or not tg or len(set(map(str, tg))) != len(tg):
            e.append("tags: not a list of distinct tags")
        else:
            for t in tg:
                if not is_tag(t):
                    e.append(f"tags: {t!r} is not a tag (2-255 characters, no slash, backslash or control character)")
    ni = meta.get("no_index")
    if "no_index" in meta:
        if not isinstance(ni, dict) or not ("file" in ni or "directory" in ni):
            e.append("no_index: not an object with file or directory")
        else:
            keys_ok(ni, {"file", "directory"}, "no_index", e)
            for k in ("file", "directory"):
                v = ni.get(k)
                if k in ni and not (is_path(v) or (isinstance(v, list) and v and len(set(map(str, v))) == len(v)
                                                   and all(is_path(x) for x in v))):
                    e.append(f"no_index.{k}: not a path or a list of distinct paths")
    if "release_status" in meta and meta["release_status"] not in ("stable", "testing", "unstable"):
        e.append("release_status: not stable, testing or unstable")
    return e


def read_tree():
    """What META.json must agree with, read from the tree."""
    t = {}
    with open(os.path.join(ROOT, "crm_loyalty.control"), encoding="utf-8") as f:
        control = f.read()
    t["default_version"] = re.search(r"^default_version\s*=\s*'([^']*)'", control, re.M).group(1)
    t["comment"] = re.search(r"^comment\s*=\s*'([^']*)'", control, re.M).group(1)
    with open(os.path.join(ROOT, "debian", "changelog"), encoding="utf-8") as f:
        first = f.readline()
    m = re.match(r"^(\S+) \(([^)]+)\) ", first)
    t["deb_source"], deb_version = m.group(1), m.group(2)
    # [epoch:]upstream[-revision]
    t["deb_upstream"] = re.sub(r"-[^-]*$", "", deb_version.split(":", 1)[-1])
    with open(os.path.join(ROOT, "LICENSE"), encoding="utf-8") as f:
        lic = f.read()
    t["license_text"] = " ".join(lic[lic.index("Permission"):].split())
    with open(os.path.join(ROOT, "debian", "copyright"), encoding="utf-8") as f:
        cop = f.read()
    body = cop.split("\nLicense: PostgreSQL\n")[-1]
    t["copyright_text"] = " ".join(line.strip() for line in body.splitlines() if line.strip() != ".")
    t["copyright_text"] = " ".join(t["copyright_text"].split())
    t["copyright_license"] = re.findall(r"^License: (\S+)", cop, re.M)
    return t


def check_tree(meta, t):
    """META.json in step with crm_loyalty.control, debian/ and LICENSE."""
    e = []
    dv = t["default_version"]
    if meta.get("name") != "crm_loyalty":
        e.append(f"name: {meta.get('name')!r} is not crm_loyalty")
    if meta.get("version") != dv:
        e.append(f"version: {meta.get('version')!r} differs from default_version {dv!r} in crm_loyalty.control")
    ext = (meta.get("provides") or {}).get("crm_loyalty")
    if not isinstance(ext, dict):
        e.append("provides: no crm_loyalty")
    else:
        if ext.get("version") != dv:
            e.append(f"provides.crm_loyalty.version: {ext.get('version')!r} differs from default_version {dv!r}")
        for k in ("file", "docfile"):
            if k in ext and not os.path.isfile(os.path.join(ROOT, str(ext[k]))):
                e.append(f"provides.crm_loyalty.{k}: {ext[k]!r} is not a file of the tree")
        if ext.get("abstract", t["comment"]) != t["comment"]:
            e.append("provides.crm_loyalty.abstract: differs from the comment in crm_loyalty.control")
    if meta.get("abstract") != t["comment"]:
        e.append("abstract: differs from the comment in crm_loyalty.control")
    if t["deb_upstream"] != dv:
        e.append(f"debian/changelog: version {t['deb_upstream']!r} differs from default_version {dv!r}")
    if meta.get("license") != "postgresql":
        e.append(f"license: {meta.get('license')!r} is not postgresql (LICENSE is the PostgreSQL Licence)")
    if "PostgreSQL Licence" not in open(os.path.join(ROOT, "README.md"), encoding="utf-8").read():
        e.append("README.md does not name the PostgreSQL Licence")
    if t["copyright_license"] != ["PostgreSQL", "PostgreSQL"] or t["copyright_text"] != t["license_text"]:
        e.append("debian/copyright: not the PostgreSQL Licence text of LICENSE")
    req = (((meta.get("prereqs") or {}).get("runtime") or {}).get("requires") or {})
    if "PostgreSQL" not in req:
        e.append("prereqs.runtime.requires: no PostgreSQL")
    elif is_version_range(req["PostgreSQL"]) and postgresql_minimum(req["PostgreSQL"]) < MIN_POSTGRESQL:
        e.append(f"prereqs.runtime.requires.PostgreSQL: {req['PostgreSQL']!r} admits versions before 15.0.0")
    for k in ("directory", "file"):
        for p in ((meta.get("no_index") or {}).get(k) or []):
            if not os.path.exists(os.path.join(ROOT, str(p))):
                e.append(f"no_index.{k}: {p!r} is not in the tree")
    return e


def check(meta, t):
    return check_spec(meta) + (check_tree(meta, t) if isinstance(meta, dict) else [])


# ---- negative controls: (description, change, a word the error must contain)

def drop(key):
    def f(m, t):
        m.pop(key)
    return f


def setv(path, value):
    def f(m, t):
        d = m
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value
    return f


def set_tree(key, value):
    def f(m, t):
        t[key] = value
    return f


CONTROLS = [
    ("META.json without provides", drop("provides"), "provides"),
    ("META.json without meta-spec", drop("meta-spec"), "meta-spec"),
    ("a two-part version 0.4", setv(["version"], "0.4"), "version"),
    ("a version other than default_version", setv(["version"], "9.9.9"), "default_version"),
    ("provides.crm_loyalty.version other than default_version",
     setv(["provides", "crm_loyalty", "version"], "0.3.2"), "provides.crm_loyalty.version"),
    ("provides.crm_loyalty without file", lambda m, t: m["provides"]["crm_loyalty"].pop("file"), "file"),
    ("provides.crm_loyalty.file that is not in the tree",
     setv(["provides", "crm_loyalty", "file"], "sql/nothing.sql"), "not a file"),
    ("a licence name PGXN does not know", setv(["license"], "PostgreSQL"), "license"),
    ("meta-spec version 2.0.0", setv(["meta-spec", "version"], "2.0.0"), "meta-spec"),
    ("an unknown top-level key", setv(["homepage"], "https://example.org/"), "unknown key"),
    ("a runtime requirement PostgreSQL 14.0.0", setv(["prereqs", "runtime", "requires", "PostgreSQL"], "14.0.0"),
     "PostgreSQL"),
    ("a version range that is not one", setv(["prereqs", "runtime", "requires", "PostgreSQL"], "15"), "version range"),
    ("a tag with a slash", setv(["tags"], ["pareto/nbd"]), "tag"),
    ("a name with a space", setv(["name"], "crm loyalty"), "name"),
    ("a bugtracker without web or mailto", setv(["resources", "bugtracker"], {}), "bugtracker"),
    ("an abstract other than the control file's comment", setv(["abstract"], "Something else"), "abstract"),
    ("debian/changelog at another version", set_tree("deb_upstream", "0.3.2"), "debian/changelog"),
    ("debian/copyright with another licence text", set_tree("copyright_text", "All rights reserved."),
     "debian/copyright"),
]


def main():
    n = failed = 0

    def tap(ok, desc, errors=()):
        nonlocal n, failed
        n += 1
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
        for err in errors:
            print(f"# {err}")

    path = os.path.join(ROOT, "META.json")
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
        tap(True, "META.json is valid JSON")
    except (OSError, ValueError) as exc:
        tap(False, "META.json is valid JSON", [str(exc)])
        print(f"1..{n}")
        return 1
    t = read_tree()
    e = check_spec(meta)
    tap(not e, "META.json follows the PGXN Meta Spec 1.0 (keys, types, terms, versions, licence, paths, tags)", e)
    e = check_tree(meta, t) if isinstance(meta, dict) else ["not an object"]
    tap(not e, f"META.json, crm_loyalty.control, debian/changelog and LICENSE agree (version {t['default_version']}, "
               "PostgreSQL >= 15, PostgreSQL Licence)", e)
    if isinstance(meta, dict):
        for desc, change, word in CONTROLS:
            m, tt = copy.deepcopy(meta), dict(t)
            try:
                change(m, tt)
            except (KeyError, TypeError) as exc:
                tap(False, f"negative control: {desc} (cannot apply: {exc!r})")
                continue
            errs = check(m, tt)
            hit = [x for x in errs if word in x]
            tap(bool(hit), f"negative control: {desc} is reported" + (f" ({hit[0]})" if hit else ""),
                [] if hit else ["reported instead: " + ("; ".join(errs) or "nothing")])
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
