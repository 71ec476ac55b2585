"""Every function's samples through `sam local invoke`, in order, against one pipeline of the
local AWS: each answer checked, and what arrived in the destination account checked after each
Transform sample (the destination is emptied between them, so each shows its own renditions)."""

import os
import tempfile
from dataclasses import dataclass

from . import checks
from .run import log, run

SAMPLE_BUCKET = "example-source-bucket"
# The object every Transform sample of events/ names, and the image whose ETag and size they carry.
SAMPLE_KEY = "photos/été 2026 (1)+.jpg"
SAMPLE_IMAGE = "events/images/sample.jpg"
UPLOAD_PREFIX = "uploads/"


@dataclass
class Invoker:
    """`sam local invoke` of the x86_64 build, in the engine, with a role's credentials."""

    root: str
    engine: object
    template: str
    env_vars: str
    overrides: list
    skip_pull: bool
    region: str
    log_dir: str
    state_file: str

    def environment(self, credentials):
        env = {**os.environ, **self.engine.env, "SAM_CLI_TELEMETRY": "0"}
        for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(name, None)
        # SAM hands these to the container: what Lambda would give the function (its role's
        # temporary credentials and region).
        env.update(
            AWS_ACCESS_KEY_ID=credentials["access_key_id"],
            AWS_SECRET_ACCESS_KEY=credentials["secret_access_key"],
            AWS_SESSION_TOKEN=credentials["session_token"],
            AWS_REGION=self.region,
            AWS_DEFAULT_REGION=self.region,
        )
        return env

    def command(self, function, event_path):
        command = [os.path.join(self.root, "scripts", "sam"), "local", "invoke", function]
        command += ["--template", self.template, "--event", event_path, "--env-vars", self.env_vars]
        command += ["--parameter-overrides", *self.overrides]
        if self.skip_pull:
            command.append("--skip-pull-image")
        return command

    def __call__(self, function, event_path, credentials, label):
        result = run(self.command(function, event_path), check=False, capture=True, env=self.environment(credentials))
        name = f"{function}-{os.path.basename(event_path)}".replace(".json", "")
        with open(os.path.join(self.log_dir, f"{name}.log"), "w") as f:
            f.write(result.stderr)
        if result.returncode != 0:
            raise checks.Mismatch(
                f"sam local invoke {function} {label} exited {result.returncode}:\n{result.stderr[-3000:]}"
            )
        try:
            return checks.answer_of(result.stdout)
        except checks.Mismatch as e:
            raise checks.Mismatch(f"{function} {label}: {e}\n{result.stderr[-3000:]}") from None


def sample(root, name, bucket, work):
    """A sample of events/ with the pipeline's source bucket, as a file for `--event`."""
    with open(os.path.join(root, "events", name)) as f:
        text = f.read().replace(SAMPLE_BUCKET, bucket)
    fd, path = tempfile.mkstemp(prefix=name.replace(".json", "."), suffix=".json", dir=work)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def run_all(root, aws, pipeline, invoke, work):
    """The samples, in order; returns the lines of what each answered."""
    source, destination = pipeline["source"]["bucket"], pipeline["destination"]["bucket"]
    execution = pipeline["execution_role"]["credentials"]
    uploader = pipeline["uploader_role"]["credentials"]
    said = []

    def done(line):
        log(line)
        said.append(line)

    def transform(name, check):
        answer = invoke("Transform", sample(root, name, source, work), execution, f"events/{name}")
        return check(answer)

    aws.put("source", source, SAMPLE_KEY, os.path.join(root, SAMPLE_IMAGE))

    written = transform("s3-put.json", lambda a: checks.one_result(a, "written"))
    checks.expect(len(written) == 3, "three renditions (the template's default RENDITIONS)", written)
    checks.destination_holds(aws.keys("destination", destination), written, "after events/s3-put.json")
    done(f"Transform events/s3-put.json: written, {len(written)} renditions in s3://{destination}")

    aws.empty("destination", destination)
    transform("sqs-s3-put.json", checks.no_failed_messages)
    checks.destination_holds(aws.keys("destination", destination), written, "after events/sqs-s3-put.json")
    done(f"Transform events/sqs-s3-put.json: no failed messages, {len(written)} renditions again")

    aws.empty("destination", destination)
    again = transform("eventbridge-object-created.json", lambda a: checks.one_result(a, "written"))
    checks.destination_holds(aws.keys("destination", destination), again, "after eventbridge-object-created.json")
    done(f"Transform events/eventbridge-object-created.json: written, {len(again)} renditions again")

    transform("s3-test-event.json", lambda a: checks.one_result(a, "skipped", "test-event"))
    checks.destination_holds(aws.keys("destination", destination), again, "after events/s3-test-event.json")
    done("Transform events/s3-test-event.json: skipped/test-event, nothing written")

    checks.every_link_ok(invoke("AccessCheck", sample(root, "access-check.json", source, work), execution, "{}"))
    done("AccessCheck {}: ok, every link")

    answer = invoke("Backfill", sample(root, "backfill-dry-run.json", source, work), execution, "dry run")
    checks.dry_run_of(answer, [SAMPLE_KEY])
    checks.destination_holds(aws.keys("destination", destination), again, "after the backfill's dry run")
    done(f"Backfill events/backfill-dry-run.json: would process {SAMPLE_KEY!r}, nothing written")

    answer = invoke(
        "UploadUrlFunction", sample(root, "upload-url.json", source, work), uploader, "events/upload-url.json"
    )
    key = checks.upload_granted(answer, UPLOAD_PREFIX)
    done(f"UploadUrlFunction events/upload-url.json: 200, a grant for {key}")

    aws.delete("source", source, SAMPLE_KEY)
    deleted = transform("s3-delete.json", lambda a: checks.one_result(a, "deleted"))
    checks.expect(deleted == again, "the removal deletes the renditions it made", deleted)
    checks.destination_holds(aws.keys("destination", destination), [], "after events/s3-delete.json")
    done(f"Transform events/s3-delete.json: deleted, {len(deleted)} renditions, the destination is empty")
    return said
