#!/usr/bin/env python3
"""The audit trail end to end (issue 14), with real engines:

1. `govc build` the AI example;
2. decisions made by `govc eval --decision-log` (govc's engine) and by the real OPA engine over
   the built bundle (Go OPA, through opa_bindings), written in OPA's decision-log event format:
   JSON lines as the console logger prints them and gzip'd JSON arrays as the HTTP uploader
   sends them, each masked as OPA's decision logger masks it (the event is the input of
   `govc.log.mask` (the rule opa/config.yaml names in mask_decision), evaluated by OPA; the pointers returned are erased or upserted);
   Gatekeeper audit results as `kubectl get <kinds> -o json` returns them, for the generated
   Constraints, with the violations OPA finds in the example's documents;
3. `govc audit ingest`, twice (the second adds nothing), `govc audit verify`;
4. no `@sensitive` value anywhere in the database file or the reports;
5. `govc audit report` in md, html and json; the HTML rendered by headless Chromium (screenshot
   kept with --screenshot), its text checked;
6. one record edited, one removed, two reordered (with Python's own sqlite3): `verify` exits 1
   and names the record each time.

usage: e2e.py --govc PATH [--project examples/ai-governance] [--work DIR] [--screenshot FILE]
Prints one line per check and `N passed, N failed`; exits 1 when a check failed.
"""
import argparse
import gzip
import json
import pathlib
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from datetime import datetime, timedelta, timezone

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "common"))
import harness  # noqa: E402  (tests/common/harness.py)
import opa_bundle  # noqa: E402  (tests/opa/opa_bundle.py)
from opa_bindings import OpaUndefinedError  # noqa: E402

# Values of the `@sensitive` fields (std.ai.AccessRequest's `client_ip` and `token`).
SECRET_IPS = ["203.0.113.17", "198.51.100.42", "192.0.2.199"]
SECRET_TOKENS = ["tok-A9f3-e2e-secret", "tok-B7c1-e2e-secret", "tok-C4d8-e2e-secret"]
USERS = [
    ("ana.silva@acme.com", ["data-scientist"]),
    ("dana.kim@acme.com", ["ml-engineer"]),
    ("lee.wong@acme.com", ["ml-platform-admin"]),
    ("tom.berg@acme.com", ["marketing"]),
    ("kai.ito@acme.com", ["model-auditor"]),
]
MODELS = ["churn-predictor", "credit-scoring", "fraud-detector"]
ACTIONS = ["predict", "predict", "predict", "fine_tune", "export_weights"]
REASONS = [
    "quarterly churn forecast for finance",
    "retraining after the August data refresh",
    "audit sample for the model risk committee",
    "too short",
    None,
]
START = datetime(2026, 7, 1, tzinfo=timezone.utc)


def go_time(t):
    """A timestamp as Go's time.Time marshals it (RFC 3339, nanoseconds, trailing zeros cut)."""
    frac = f"{t.microsecond * 1000:09d}".rstrip("0")
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)


def opa_eval(engine, path, input_doc):
    try:
        return engine.eval_document(path.replace("/", "."), input_doc)
    except OpaUndefinedError:
        return None


def mask(engine, event):
    """OPA's decision logger: evaluate the mask rule (`govc.log.mask`) with the event as input, then apply
    each rule (plugins/logs/mask.go): a string removes the value (listed in `erased`), an object
    with op `upsert` sets it (listed in `masked`); an absent path does nothing."""
    rules = opa_eval(engine, "govc/log/mask", event) or []
    for rule in rules:
        if isinstance(rule, str):
            op, path, value = "remove", rule, None
        else:
            op, path, value = rule.get("op", "remove"), rule["path"], rule.get("value")
        parts = path[1:].split("/")
        if parts[0] not in ("input", "result", "nd_builtin_cache") or parts[0] not in event:
            continue
        node = event[parts[0]]
        if len(parts) == 1:
            if op == "remove":
                del event[parts[0]]
            else:
                event[parts[0]] = value
        else:
            for p in parts[1:-1]:
                node = node.get(p) if isinstance(node, dict) else (
                    node[int(p)] if isinstance(node, list) and p.isdigit() and int(p) < len(node) else None)
                if node is None:
                    break
            last = parts[-1]
            if not isinstance(node, dict) or (op == "remove" and last not in node):
                continue
            if op == "remove":
                del node[last]
            else:
                node[last] = value
        event.setdefault("erased" if op == "remove" else "masked", []).append(path)
    return event


def opa_event(engine, rng, revision, path, input_doc, when):
    """One decision made by OPA on `input_doc`, as its decision logger records it."""
    result = opa_eval(engine, path, input_doc)
    event = {
        "labels": {"id": "9c1f4f4e-2b7a-4d7e-9a37-0d3f1d9a5e21", "version": "1.4.2"},
        "decision_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "bundles": {"govc": {"revision": revision}},
        "path": path,
        "input": input_doc,
        "result": result,
        "requested_by": f"10.0.3.{rng.randint(2, 250)}:{rng.randint(30000, 60000)}",
        "timestamp": go_time(when),
    }
    if result is None:
        del event["result"]
    event = mask(engine, event)
    event["metrics"] = {"timer_rego_query_eval_ns": rng.randint(40_000, 400_000)}
    event["req_id"] = rng.randint(1, 10_000)
    return event


def access_request(rng, i):
    user, roles = USERS[rng.randrange(len(USERS))]
    req = {
        "user": user,
        "roles": roles,
        "model": MODELS[rng.randrange(len(MODELS))],
        "action": ACTIONS[rng.randrange(len(ACTIONS))],
        "client_ip": SECRET_IPS[i % 3],
    }
    reason = REASONS[rng.randrange(len(REASONS))]
    if reason:
        req["reason"] = reason
    if i % 2 == 0:
        req["token"] = SECRET_TOKENS[i % 3]
    return req


def documents(project):
    docs = []
    for sub in ("datasets", "deploy"):
        for f in sorted((project / sub).glob("*.yaml")):
            docs.append(yaml.safe_load(f.read_text()))
    return docs


def write_opa_logs(engine, bundle, project, logs, rng):
    revision = json.loads((bundle / ".manifest").read_text())["revision"]
    events = []
    # Runtime access decisions from the model gateway over a quarter.
    for i in range(240):
        when = START + timedelta(seconds=rng.randint(0, 91 * 86400), microseconds=rng.randint(0, 999_999))
        path = "acme/access/model_access/decision" if i % 4 else "acme/access/model_access/allow"
        events.append(opa_event(engine, rng, revision, path, access_request(rng, i), when))
    # Data and model checks (a service asking OPA about registrations and deployments).
    for i, doc in enumerate(documents(project) * 15):
        when = START + timedelta(days=rng.randint(0, 90), seconds=rng.randint(0, 86399))
        kind = doc["kind"]
        path = {
            "DatasetRegistration": ["acme/data/trusted_sources/deny", "acme/data/no_unencrypted_pii/violation",
                                    "acme/data/retention_limit"],
            "ModelDeployment": ["acme/models/bias_tested/deny", "acme/models/high_risk_approval/deny",
                                "acme/models/accountable_owner/violation"],
        }[kind][i % 3]
        events.append(opa_event(engine, rng, revision, path, doc, when))
    # A query of a path no govc policy owns.
    events.append({
        "labels": {"id": "9c1f4f4e-2b7a-4d7e-9a37-0d3f1d9a5e21", "version": "1.4.2"},
        "decision_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "path": "system/health", "result": True, "timestamp": go_time(START + timedelta(days=3)),
    })
    events.sort(key=lambda e: e["timestamp"])
    # The console logger: the first half, among OPA's own log lines.
    half = len(events) // 2
    with open(logs / "opa-console.log", "w") as f:
        f.write(json.dumps({"level": "info", "msg": "Initializing server.", "time": go_time(START)}) + "\n")
        for e in events[:half]:
            line = dict(e, level="info", msg="Decision Log", time=e["timestamp"],
                        type="openpolicyagent.org/decision_logs")
            f.write(json.dumps(line) + "\n")
        f.write(json.dumps({"level": "info", "msg": "Shutting down...", "time": go_time(START)}) + "\n")
    # The HTTP uploader: gzip'd JSON arrays, in chunks.
    for n, k in enumerate(range(half, len(events), 50)):
        (logs / f"opa-upload-{n:03}.json.gz").write_bytes(gzip.compress(json.dumps(events[k:k + 50]).encode()))
    return events


def write_gatekeeper(engine, out, project, logs):
    """`kubectl get <kinds> -o json`: the generated Constraints, audited; each violation is what
    OPA finds in the example's documents for the Constraint's policy."""
    items = []
    docs = documents(project)
    for f in sorted((out / "k8s/gatekeeper/constraints").glob("*.yaml")):
        c = yaml.safe_load(f.read_text())
        policy = c["metadata"]["annotations"]["govc.dev/policy"]
        kinds = {k for m in c["spec"]["match"]["kinds"] for k in m["kinds"]}
        violations = []
        for doc in docs:
            if doc["kind"] not in kinds:
                continue
            for msg in sorted(opa_eval(engine, policy.replace(".", "/") + "/deny", doc) or []):
                violations.append({
                    "enforcementAction": c["spec"].get("enforcementAction", "deny"),
                    "group": "ai.acme.com", "version": "v1", "kind": doc["kind"],
                    "namespace": doc["metadata"].get("namespace", "default"),
                    "name": doc["metadata"]["name"], "message": msg,
                })
        c["status"] = {
            "auditTimestamp": "2026-09-15T04:00:00Z",
            "byPod": [{"id": "gatekeeper-audit-5d4f7b9c8-x2k4q", "enforced": True, "observedGeneration": 1}],
            "totalViolations": len(violations),
            "violations": violations,
        }
        items.append(c)
    doc = {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}
    (logs / "gatekeeper-constraints.json").write_text(json.dumps(doc, indent=2))
    return sum(max(1, len(c["status"]["violations"])) for c in items)


def govc_eval_decisions(govc, project, work, logs):
    log = logs / "govc-eval.jsonl"
    cases = [
        ("acme.access.model_access", {"user": "ana.silva@acme.com", "roles": ["data-scientist"], "model": "churn-predictor",
                                      "action": "predict", "reason": "monthly churn report for finance",
                                      "client_ip": SECRET_IPS[0], "token": SECRET_TOKENS[0]}),
        ("acme.access.model_access", {"user": "tom.berg@acme.com", "roles": ["marketing"], "model": "credit-scoring",
                                      "action": "export_weights", "client_ip": SECRET_IPS[1]}),
    ]
    for f in sorted((project / "deploy").glob("*.yaml")):
        cases.append(("acme.models.bias_tested", f))
    for f in sorted((project / "datasets").glob("*.yaml")):
        cases.append(("acme.data.trusted_sources", f))
    for i, (policy, doc) in enumerate(cases):
        if isinstance(doc, dict):
            path = work / f"request-{i}.json"
            path.write_text(json.dumps(doc))
        else:
            path = doc
        r = run([govc, "eval", project, "--policy", policy, "--input", path, "--decision-log", log])
        if r.returncode not in (0, 1):
            raise SystemExit(f"govc eval failed: {r.stderr}")
    return len(cases)


def chromium_checks(checks, chromium, html, screenshot, work):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={work / 'chromium-profile'}"]
    shot = work / "evidence.png"
    r = run([chromium, *flags, f"--screenshot={shot}", "--window-size=1200,1800", f"file://{html}"])
    png = shot.read_bytes() if shot.exists() else b""
    checks.check("Chromium renders the HTML report (screenshot)",
                 r.returncode == 0 and png.startswith(b"\x89PNG") and len(png) > 20_000, r.stderr[-500:])
    if screenshot:
        shutil.copy(shot, screenshot)
    dom = run([chromium, *flags, "--dump-dom", f"file://{html}"]).stdout
    checks.check("the rendered page has the title, charts and access decisions",
                 "Audit evidence: ai-governance" in dom and dom.count("<svg") >= 2
                 and "Access decisions" in dom and "ana.silva@acme.com" in dom, dom[:300])
    html_text = html.read_text()
    checks.check("the page has no script and loads nothing",
                 not any(x in html_text for x in ("<script", "src=", "href=\"http", "url(", "@import")))


def tamper(checks, govc, db, work):
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT seq, decision_id, outcome FROM records ORDER BY seq").fetchall()
    conn.close()
    denied = next(r for r in rows if r[2] == "denied" and r[0] > 3)

    def verify_after(name, sql, expected):
        copy = work / f"tampered-{name}.db"
        shutil.copy(db, copy)
        c = sqlite3.connect(copy)
        c.executescript(sql)
        c.commit()
        c.close()
        r = run([govc, "audit", "verify", "--db", copy])
        checks.check(f"verify fails when a record is {name}, naming it", r.returncode == 1 and all(
            e in r.stderr for e in expected), f"exit {r.returncode}: {r.stderr}")

    seq, did = denied[0], denied[1]
    verify_after("edited", f"UPDATE records SET outcome = 'allowed' WHERE seq = {seq}",
                 [f"record {seq} (decision `{did}`) was edited"])
    mid = len(rows) // 2
    verify_after("removed", f"DELETE FROM records WHERE seq = {mid}",
                 [f"record {mid} was removed", f"record {mid + 1} (decision `{rows[mid][1]}`)"])
    a, b = rows[mid - 1], rows[mid]
    verify_after("reordered",
                 f"UPDATE records SET seq = -1 WHERE seq = {a[0]}; UPDATE records SET seq = {a[0]} WHERE seq = {b[0]};"
                 f" UPDATE records SET seq = {b[0]} WHERE seq = -1;",
                 [f"record {a[0]} (decision `{b[1]}`) is out of order",
                  f"record {b[0]} (decision `{a[1]}`) is out of order"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--govc", required=True)
    ap.add_argument("--project", default="examples/ai-governance")
    ap.add_argument("--work")
    ap.add_argument("--screenshot")
    ap.add_argument("--chromium", default="chromium")
    args = ap.parse_args()
    govc = pathlib.Path(args.govc).resolve()
    project = pathlib.Path(args.project).resolve()
    work = pathlib.Path(args.work or tempfile.mkdtemp(prefix="govc-audit-e2e-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    logs = work / "logs"
    if logs.exists():
        shutil.rmtree(logs)
    logs.mkdir()
    out, db = work / "out", work / "audit.db"
    for f in (db, work / "audit.db-journal"):
        f.unlink(missing_ok=True)
    checks = harness.Verdicts()
    rng = random.Random(14)

    r = run([govc, "build", project, "--out", out, "--no-ledger"])
    if not checks.check("govc build", r.returncode == 0, r.stderr):
        return 1
    engine = opa_bundle.load(*opa_bundle.read(out / "bundle", tests=False))
    n_eval = govc_eval_decisions(govc, project, work, logs)
    opa_events = write_opa_logs(engine, out / "bundle", project, logs, rng)
    n_gatekeeper = write_gatekeeper(engine, out, project, logs)
    total = n_eval + len(opa_events) + n_gatekeeper
    erased = sum(1 for e in opa_events if e.get("erased"))
    checks.check("OPA's mask rules erased the sensitive fields it logged",
                 erased > 100 and not any(s in json.dumps(opa_events) for s in SECRET_IPS + SECRET_TOKENS))

    ingest = [govc, "audit", "ingest", project, "--db", db, "--logs", logs, "--ledger", out / "audit/ledger.json"]
    r = run(ingest)
    checks.check(f"ingest reads {total} decisions and adds them all",
                 r.returncode == 0 and f"{total} decisions read, {total} added, 0 already present" in r.stdout,
                 r.stdout + r.stderr)
    checks.check("ingest notes the decision of a path no policy owns", "`system/health`" in r.stderr, r.stderr)
    r = run(ingest)
    checks.check("ingesting the same logs again adds nothing",
                 r.returncode == 0 and f"{total} decisions read, 0 added, {total} already present" in r.stdout,
                 r.stdout + r.stderr)
    r = run([govc, "audit", "verify", "--db", db])
    checks.check("verify: the chain is intact", r.returncode == 0 and f"{total} records, chain intact" in r.stdout,
                 r.stdout + r.stderr)

    reports = {}
    for fmt in ("md", "html", "json"):
        r = run([govc, "audit", "report", project, "--db", db, "--format", fmt, "--limit", "25"])
        checks.check(f"govc audit report --format {fmt}", r.returncode == 0 and r.stdout, r.stderr)
        reports[fmt] = r.stdout
        (work / f"evidence.{fmt}").write_text(r.stdout)
    report = json.loads(reports["json"] or "{}")
    controls = {c["control"]: c for c in report.get("controls", [])}
    access = (report.get("access") or [{}])[0]
    checks.check("every decision of a govc policy counts for its controls",
                 report.get("totals", {}).get("decisions") == total - 1
                 and controls.get("ISO/IEC 42001 A.9.2", {}).get("counts", {}).get("decisions", 0) >= 240
                 and controls.get("EU AI Act Art. 15", {}).get("from_gatekeeper", 0) > 0, json.dumps(report)[:500])
    checks.check("access decisions say who, which model, when and why",
                 access.get("policy") == "acme.access.model_access" and len(access.get("decisions", [])) == 25
                 and set(access["decisions"][0]["request"]) <= {"user", "roles", "model", "action", "reason"}
                 and access.get("erased") == ["/input/client_ip", "/input/token"], json.dumps(access)[:500])
    checks.check("the decisions were made by the revision the build recorded",
                 bool(report.get("revisions")) and all(v["in_ledger"] for v in report["revisions"]),
                 json.dumps(report.get("revisions")))
    checks.check("the chain is reported intact", report.get("chain", {}).get("intact") is True)
    r = run([govc, "audit", "report", project, "--db", db, "--format", "json",
             "--since", "2026-08-01", "--until", "2026-08-31", "--control", "ISO/IEC 27001"])
    august = json.loads(r.stdout or "{}")
    checks.check("--since/--until/--control narrow the report",
                 r.returncode == 0 and [c["control"] for c in august.get("controls", [])] == ["ISO/IEC 27001:2022 A.5.15"]
                 and all("2026-08-01" <= d["timestamp"] < "2026-09-01" for d in august["access"][0]["decisions"]),
                 r.stderr)

    db_bytes = db.read_bytes()
    leaks = [s for s in SECRET_IPS + SECRET_TOKENS if s.encode() in db_bytes or any(s in t for t in reports.values())]
    checks.check("no @sensitive value in the database or the reports", not leaks, str(leaks))

    r = run([govc, "report", project, "--db", db])
    checks.check("govc report shows the evidence column", r.returncode == 0 and "| Evidence |" in r.stdout, r.stderr)

    chromium_checks(checks, args.chromium, work / "evidence.html", args.screenshot, work)
    tamper(checks, govc, db, work)
    return checks.conclude()


if __name__ == "__main__":
    sys.exit(main())
