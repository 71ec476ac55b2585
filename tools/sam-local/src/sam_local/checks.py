"""What each function must answer to its sample under `sam local invoke`: pure checks of the
answer (and of what arrived in the destination), each raising Mismatch with what differs."""

import json


class Mismatch(Exception):
    pass


def expect(condition, what, answer):
    if not condition:
        raise Mismatch(f"{what}; the answer was {json.dumps(answer, ensure_ascii=False)[:2000]}")


def one_result(answer, status, reason=None):
    """A direct invocation's one RESULT, of this status and reason; its outputs' keys."""
    results = answer.get("results") if isinstance(answer, dict) else None
    expect(isinstance(results, list) and len(results) == 1, "one RESULT expected", answer)
    got = (results[0].get("status"), results[0].get("reason"))
    expect(got == (status, reason), f"expected {status}/{reason}, got {got[0]}/{got[1]}", answer)
    return sorted(o["key"] for o in results[0].get("outputs") or [])


def no_failed_messages(answer):
    """An SQS batch all of whose messages were handled."""
    expect(answer == {"batchItemFailures": []}, "an SQS batch without failures expected", answer)


def every_link_ok(answer):
    """access-check: every one of its steps passed."""
    steps = answer.get("steps") if isinstance(answer, dict) else None
    expect(isinstance(steps, list) and len(steps) == 6, "access-check lists its six steps", answer)
    failed = [s.get("step") for s in steps if not s.get("ok")]
    expect(answer.get("ok") is True and not failed, f"access-check: steps failed: {failed}", answer)


def dry_run_of(answer, keys):
    """backfill's dry run: it would process exactly `keys` and is done."""
    got = answer.get("would_process") if isinstance(answer, dict) else None
    expect(got == keys, f"a dry run over {keys} expected", answer)
    expect(answer.get("done") is True, "a dry run over one object is done", answer)


def upload_granted(answer, upload_prefix):
    """upload-url: a Function URL response of 200 whose grant is one new key under the prefix."""
    expect(isinstance(answer, dict) and answer.get("statusCode") == 200, "a 200 Function URL response expected", answer)
    body = json.loads(answer.get("body") or "null")
    expect(
        isinstance(body, dict) and str(body.get("key", "")).startswith(upload_prefix),
        "a key under UPLOAD_PREFIX",
        answer,
    )
    expect(str(body.get("url", "")).startswith("http"), "a presigned URL", answer)
    return body["key"]


def destination_holds(keys, expected, when):
    """The destination bucket's keys, exactly."""
    if sorted(keys) != sorted(expected):
        raise Mismatch(f"{when}: the destination holds {sorted(keys)}, expected {sorted(expected)}")


def answer_of(stdout):
    """The function's answer: the last line of what `sam local invoke` printed on stdout."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise Mismatch("sam local invoke printed no answer")
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError:
        raise Mismatch(f"sam local invoke's answer is not JSON: {lines[-1][:500]}") from None
