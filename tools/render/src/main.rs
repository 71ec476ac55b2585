//! `render`: the local preview of the image pipeline, and what the benchmark times. No AWS: it
//! builds on `rendering` (the contract's renditions through `imaging`) alone.
//!
//! `render INPUT... --out DIR [--renditions SPEC] [--repeat N] [--threads N]` writes
//! `DIR/<input file name>/<rendition>.<ext>` and prints one RESULT-like JSON line per input.
//! Exit status: 0 when every input was written, 1 when any was rejected, 2 on a usage error,
//! an unreadable input, an unwritable `--out` or an internal failure of the pipeline. It reads no environment variables; its
//! defaults are the contract's.

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use contract::response::{Disposition, RecordResult};
use contract::spec::{DEFAULT_RENDITIONS, Rendition, parse_renditions};
use rendering::{RenderError, default_limits, reject, render};

const USAGE: &str =
    "usage: render INPUT... --out DIR [--renditions SPEC] [--repeat N] [--threads N]
  --renditions  name:WxH:format[:quality],... (default: the contract's thumb, small, large)
  --repeat      process the inputs N times and print only the last pass (default 1)
  --threads     images processed at once (default 1)";

struct Args {
    inputs: Vec<PathBuf>,
    out: PathBuf,
    renditions: Vec<Rendition>,
    repeat: u32,
    threads: usize,
}

fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut inputs, mut out, mut renditions, mut repeat, mut threads) = (vec![], None, None, 1, 1);
    while let Some(arg) = argv.next() {
        let mut value = |name: &str| argv.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--renditions" => renditions = Some(parse_renditions(&value("--renditions")?)?),
            "--repeat" => repeat = positive(&value("--repeat")?, "--repeat")?,
            "--threads" => threads = positive(&value("--threads")?, "--threads")? as usize,
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            input => inputs.push(PathBuf::from(input)),
        }
    }
    if inputs.is_empty() {
        return Err("no INPUT given".into());
    }
    let renditions = match renditions {
        Some(r) => r,
        None => parse_renditions(DEFAULT_RENDITIONS)?,
    };
    Ok(Args {
        inputs,
        out: out.ok_or("--out DIR is required")?,
        renditions,
        repeat,
        threads,
    })
}

fn positive(v: &str, name: &str) -> Result<u32, String> {
    v.parse::<u32>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{name} takes a whole number above 0, not {v:?}"))
}

/// Renders one input and writes its outputs; `Err` is a fatal (exit 2) problem.
fn process(path: &Path, bytes: &[u8], args: &Args) -> Result<RecordResult, String> {
    let key = Some(path.display().to_string());
    let rendering = match render(bytes, &args.renditions, &default_limits()) {
        Ok(r) => r,
        Err(RenderError::Internal { what, detail }) => {
            return Err(format!("{}: {what} failed: {detail}", path.display()));
        }
        Err(RenderError::Rejected(rejection)) => {
            let reason = reject(&rejection);
            eprintln!(
                "render: {}: rejected ({}): {rejection}",
                path.display(),
                reason.as_str()
            );
            return Ok(RecordResult::new(
                None,
                key,
                None,
                Disposition::Rejected(reason),
            ));
        }
    };
    for note in &rendering.notes {
        eprintln!("render: {}: {note}", path.display());
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".into());
    let dir = args.out.join(name);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut outputs = Vec::with_capacity(rendering.outputs.len());
    for out in rendering.outputs {
        let file = dir.join(out.rendition.file_name());
        std::fs::write(&file, &out.bytes)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        outputs.push(out.info(file.display().to_string()));
    }
    let mut result = RecordResult::new(None, key, None, Disposition::Written);
    result.outputs = outputs;
    Ok(result)
}

/// One pass over every input, on `args.threads` threads, results in input order.
fn pass(inputs: &[(PathBuf, Vec<u8>)], args: &Args) -> Result<Vec<RecordResult>, String> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<RecordResult, String>>>> =
        Mutex::new(vec![None; inputs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..args.threads.min(inputs.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((path, bytes)) = inputs.get(i) else {
                        break;
                    };
                    let result = process(path, bytes, args);
                    if let Ok(mut all) = results.lock() {
                        all[i] = Some(result);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .map_err(|_| "a worker thread failed".to_owned())?
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("an input was not processed".into())))
        .collect()
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("render: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut inputs = Vec::with_capacity(args.inputs.len());
    for path in &args.inputs {
        match std::fs::read(path) {
            Ok(bytes) => inputs.push((path.clone(), bytes)),
            Err(e) => {
                eprintln!("render: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("render: cannot create --out {}: {e}", args.out.display());
        return ExitCode::from(2);
    }
    let mut last = Vec::new();
    for _ in 0..args.repeat {
        last = match pass(&inputs, &args) {
            Ok(results) => results,
            Err(e) => {
                eprintln!("render: {e}");
                return ExitCode::from(2);
            }
        };
    }
    let mut any_rejected = false;
    for result in &last {
        any_rejected |= matches!(result.disposition, Disposition::Rejected(_));
        match serde_json::to_string(result) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("render: {e}"),
        }
    }
    if any_rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
