//! `scripts/batch-job`: the CreateJob requests it builds, against golden files, for every kind of
//! manifest, and its refusals. The local AWS has no S3 Control jobs, so the script takes the
//! stack's outputs, the account and the token from arguments and a file, and needs no AWS.
//! `BATCH_JOB_BLESS=1` rewrites the golden files from the script's output.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn batch_job(args: &[&str]) -> Output {
    Command::new(root().join("scripts/batch-job"))
        .current_dir(root())
        .args([
            "--stack-file",
            "scripts/testdata/batch-job/stack.json",
            "--account-id",
            "111111111111",
            "--client-request-token",
            "6f1c1e9e-0d7a-4c4e-9b1e-2f0a5d3c8b7a",
            "--dry-run",
        ])
        .args(args)
        // No AWS: a dry run with every fact given must not call the CLI.
        .env("PATH", "/usr/bin:/bin")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("runs scripts/batch-job")
}

#[test]
fn the_requests_match_their_golden_files() {
    let cases: [(&str, &[&str]); 4] = [
        ("prefix", &["--prefix", "photos/été 2026/"]),
        (
            "prefix-filtered-forced",
            &[
                "--prefix",
                "photos/",
                "--created-after",
                "2026-11-01T00:00:00Z",
                "--min-size",
                "1024",
                "--max-size",
                "67108864",
                "--force",
                "--priority",
                "50",
            ],
        ),
        (
            "inventory",
            &[
                "--inventory",
                "s3://example-inventory/inventory/example-uploads/all/2026-12-01T01-00Z/manifest.json",
                "--manifest-etag",
                "0f343b0931126a20f133d67c2b018a3b",
            ],
        ),
        (
            "csv",
            &[
                "--csv",
                "s3://example-inventory/inventory/rerender.csv",
                "--csv-fields",
                "Bucket,Key,VersionId",
                "--manifest-etag",
                "5d41402abc4b2a76b9719d911017c592",
                "--report",
                "s3://example-ops/batch-reports/rerender/",
            ],
        ),
    ];
    for (name, args) in cases {
        let out = batch_job(args);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let golden = root().join(format!("scripts/testdata/batch-job/{name}.json"));
        if std::env::var_os("BATCH_JOB_BLESS").is_some() {
            std::fs::write(&golden, &out.stdout).expect("bless");
        }
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&golden).expect("golden")).expect("JSON");
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        assert_eq!(got, expected, "{name}");
        let op = &got["Operation"]["LambdaInvoke"];
        assert_eq!(op["InvocationSchemaVersion"], "2.0", "{name}");
        assert_eq!(
            op["UserArguments"].get("force").is_some(),
            args.contains(&"--force"),
            "{name}: force only when asked"
        );
    }
}

#[test]
fn what_cannot_work_is_refused_with_what_to_do() {
    let stack_without_role =
        std::env::temp_dir().join(format!("stack-{}.json", std::process::id()));
    let text = std::fs::read_to_string(root().join("scripts/testdata/batch-job/stack.json"))
        .expect("stack");
    let mut stack: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    stack["Stacks"][0]["Outputs"]
        .as_array_mut()
        .expect("outputs")
        .retain(|o| o["OutputKey"] != "BatchOperationsRoleArn");
    std::fs::write(&stack_without_role, stack.to_string()).expect("write");
    let no_role = stack_without_role.to_string_lossy().into_owned();
    let cases: [(&[&str], &str); 7] = [
        (&["--prefix", "private/"], "outside SourcePrefix"),
        (
            &["--prefix", "photos/", "--report", "s3://elsewhere/reports/"],
            "can write reports only under s3://example-ops/batch-reports/",
        ),
        (
            &["--prefix", "photos/", "--report", "s3://example-ops/other/"],
            "can write reports only under",
        ),
        (
            &["--prefix", "photos/", "--account-id", "222222222222"],
            "is in account 111111111111, but the job would run in 222222222222",
        ),
        (
            &[
                "--csv",
                "s3://other-bucket/keys.csv",
                "--manifest-etag",
                "x",
            ],
            "can read manifests only under s3://example-inventory/inventory/",
        ),
        (
            &[
                "--inventory",
                "s3://example-inventory/inventory/list.csv",
                "--manifest-etag",
                "x",
            ],
            "takes an S3 Inventory manifest.json",
        ),
        (
            &["--prefix", "photos/", "--stack-file", &no_role],
            "deploy it with BatchOperations=Enabled",
        ),
    ];
    for (args, says) in cases {
        let out = batch_job(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: no request printed");
    }
    let _ = std::fs::remove_file(stack_without_role);
}
