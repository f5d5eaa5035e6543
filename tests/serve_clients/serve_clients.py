#!/usr/bin/python3
"""tests/serve_clients/serve_clients.py <digits_serve> <curl>

ctest runtime.serve_clients: real clients of weft::serve. Starts examples/digits_serve on 127.0.0.1,
port 0 (WEFT_PORT=0; it prints the port it bound), with WEFT_SERVE_SAMPLES set so that it writes
the first 40 test images and what its pipeline answers for each in-process; then speaks the Open
Inference Protocol's REST JSON to it with Python's standard library (urllib, json) and with curl:

  - GET /v2/health/live, /v2/health/ready, /v2/models/digits/ready: 200;
  - GET /v2 (server metadata) and GET /v2/models/digits (model metadata: input "input" FP32
    [-1, 64], output "output" FP32 [-1, 10]: the batch axis, then the sample's shape);
  - POST /v2/models/digits/infer for every sample, from urllib, and for two from curl: the class
    the server gives (argmax of "output") is the class the pipeline gave in-process, the values
    equal; a refused image (the fallback's error) is a 500 with an {"error": ...} body;
  - a request with the wrong datatype (FP64), and one that is not JSON: 400 with an {"error": ...}
    body naming what is wrong; an unknown model: 404 with an {"error": ...} body naming it.

The server is stopped (SIGTERM, then SIGKILL after 10 s) in every case, and must have exited 0.
Reads the data set from WEFT_DIGITS_CSV. Exits 0 when every check holds, 1 otherwise (each failed
check printed).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request

SAMPLES = 40
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAILED: " + what, file=sys.stderr)
    return cond


def request(base, path, body=None, content_type="application/json"):
    """(status, body as text) of a GET (body None) or POST to base + path."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(base + path, data=data, method="GET" if data is None else "POST")
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def json_of(text, what):
    try:
        return json.loads(text)
    except ValueError:
        check(False, f"{what}: the body is not JSON: {text[:200]!r}")
        return None


def infer_body(image, datatype="FP32", name="input"):
    return json.dumps({"inputs": [{"name": name, "shape": [1, 64], "datatype": datatype, "data": image}]})


def argmax(values):
    return max(range(len(values)), key=lambda i: (values[i], -i))


def check_answer(status, text, sample, who):
    what = f"{who}: image {sample['index']} (label {sample['label']})"
    if sample["class"] < 0:  # the pipeline refused it in-process: the server answers 500
        check(status == 500, f"{what}: refused in-process, expected 500, got {status}: {text[:200]}")
        body = json_of(text, what)
        check(isinstance(body, dict) and "fallback" in str(body.get("error", "")),
              f"{what}: the 500's body does not name the fallback's error: {text[:300]}")
        return
    if not check(status == 200, f"{what}: expected 200, got {status}: {text[:300]}"):
        return
    body = json_of(text, what)
    if body is None:
        return
    outputs = body.get("outputs", [])
    if not check(len(outputs) == 1 and outputs[0].get("name") == "output", f"{what}: outputs {outputs}"):
        return
    out = outputs[0]
    check(out.get("datatype") == "FP32" and out.get("shape") == [1, 10],
          f"{what}: output datatype {out.get('datatype')}, shape {out.get('shape')}")
    data = out.get("data", [])
    if not check(len(data) == 10, f"{what}: {len(data)} output values, expected 10"):
        return
    check(argmax(data) == sample["class"],
          f"{what}: the server says {argmax(data)}, the pipeline in-process {sample['class']}")
    check(all(abs(a - b) <= 1e-6 * max(1.0, abs(b)) for a, b in zip(data, sample["output"])),
          f"{what}: output {data} differs from the in-process {sample['output']}")


def curl(curl_exe, base, path, body):
    """(status, body) of a POST by curl."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(body)
        name = f.name
    try:
        r = subprocess.run([curl_exe, "-s", "-S", "-X", "POST", "-H", "Content-Type: application/json",
                            "--data-binary", "@" + name, "-w", "\n%{http_code}", base + path],
                           capture_output=True, text=True, timeout=60, check=False)
    finally:
        os.unlink(name)
    check(r.returncode == 0, f"curl exited {r.returncode}: {r.stderr}")
    text, _, code = r.stdout.rpartition("\n")
    return int(code or 0), text


def run_checks(base, curl_exe, samples):
    for path in ("/v2/health/live", "/v2/health/ready", "/v2/models/digits/ready"):
        status, text = request(base, path)
        check(status == 200, f"GET {path}: expected 200, got {status}: {text[:200]}")

    status, text = request(base, "/v2")
    check(status == 200, f"GET /v2: expected 200, got {status}")
    server = json_of(text, "GET /v2") if status == 200 else None
    check(isinstance(server, dict) and "name" in server and "version" in server,
          f"GET /v2: no name and version in {text[:200]}")

    status, text = request(base, "/v2/models/digits")
    check(status == 200, f"GET /v2/models/digits: expected 200, got {status}")
    meta = json_of(text, "GET /v2/models/digits") if status == 200 else None
    if check(isinstance(meta, dict), f"model metadata: {text[:300]}"):
        check(meta.get("name") == "digits", f"model metadata: name {meta.get('name')}")
        ins, outs = meta.get("inputs", []), meta.get("outputs", [])
        check(len(ins) == 1 and ins[0].get("name") == "input" and ins[0].get("datatype") == "FP32"
              and ins[0].get("shape") == [-1, 64], f"model metadata: inputs {ins}")
        check(len(outs) == 1 and outs[0].get("name") == "output" and outs[0].get("datatype") == "FP32"
              and outs[0].get("shape") == [-1, 10], f"model metadata: outputs {outs}")

    answered = refused = 0
    for s in samples:
        status, text = request(base, "/v2/models/digits/infer", infer_body(s["image"]))
        check_answer(status, text, s, "urllib")
        answered += status == 200
        refused += status == 500
    print(f"urllib: {len(samples)} images, {answered} answered, {refused} refused (500)")

    for s in samples[:2]:
        status, text = curl(curl_exe, base, "/v2/models/digits/infer", infer_body(s["image"]))
        check_answer(status, text, s, "curl")

    image = samples[0]["image"]
    for who, send in (("urllib", lambda p, b: request(base, p, b)), ("curl", lambda p, b: curl(curl_exe, base, p, b))):
        status, text = send("/v2/models/digits/infer", infer_body(image, datatype="FP64"))
        check(status == 400, f"{who}: FP64 input: expected 400, got {status}: {text[:200]}")
        body = json_of(text, f"{who}: FP64 input")
        err = str(body.get("error", "")) if isinstance(body, dict) else ""
        check("FP32" in err and "FP64" in err, f"{who}: FP64 input: the 400's error names not both datatypes: {err}")

        status, text = send("/v2/models/digits/infer", '{"inputs": [')
        check(status == 400, f"{who}: truncated JSON: expected 400, got {status}: {text[:200]}")
        body = json_of(text, f"{who}: truncated JSON")
        check(isinstance(body, dict) and body.get("error"), f"{who}: truncated JSON: no error in {text[:200]}")

        status, text = send("/v2/models/no_such_model/infer", infer_body(image))
        check(status == 404, f"{who}: unknown model: expected 404, got {status}: {text[:200]}")
        body = json_of(text, f"{who}: unknown model")
        check(isinstance(body, dict) and "no_such_model" in str(body.get("error", "")),
              f"{who}: unknown model: the 404's error does not name it: {text[:200]}")
    print("urllib and curl: 400 (FP64, truncated JSON) and 404 (unknown model) with their error bodies")


def main():
    exe, curl_exe = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="weft_serve_clients_")
    samples_path = os.path.join(work, "samples.jsonl")
    env = dict(os.environ, WEFT_PORT="0", WEFT_HOST="127.0.0.1", WEFT_SERVE_SAMPLES=samples_path,
               WEFT_SERVE_SAMPLE_COUNT=str(SAMPLES))
    server = subprocess.Popen([exe], env=env, stdout=subprocess.PIPE, text=True)
    try:
        port = None
        lines = []
        timer = threading.Timer(120, server.kill)  # a server that never prints its port
        timer.start()
        try:
            for line in server.stdout:
                lines.append(line)
                if line.startswith("port "):
                    port = int(line.split()[1])
                    break
        finally:
            timer.cancel()
        if not check(port is not None, f"the server printed no port: {''.join(lines)}"):
            return 1
        # keep reading its output so that it never blocks on a full pipe
        threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
        with open(samples_path) as f:
            samples = [dict(json.loads(line), index=i) for i, line in enumerate(f)]
        check(len(samples) == SAMPLES, f"{len(samples)} samples written, expected {SAMPLES}")
        run_checks(f"http://127.0.0.1:{port}", curl_exe, samples)
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                check(False, "the server did not stop within 10 s of SIGTERM")
        check(server.returncode == 0, f"the server exited {server.returncode}, expected 0")
        for name in os.listdir(work):
            os.unlink(os.path.join(work, name))
        os.rmdir(work)
    if failures:
        print(f"{len(failures)} checks failed", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
