//! A Lambda Runtime API on 127.0.0.1, for running a real function binary as Lambda runs it:
//! the binary polls `GET /2018-06-01/runtime/invocation/next` and answers with
//! `POST .../invocation/{id}/response` or `.../error` (or `/runtime/init/error`).
//!
//! [`RuntimeApi::start`] takes the events to hand out, in order; once they are all handed out,
//! further polls wait (as Lambda's do) until the API is dropped. Answers are collected for
//! [`RuntimeApi::answers`]. HTTP/1.1 with keep-alive, one thread a connection, no dependencies.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What the function answered to one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `POST /runtime/invocation/{id}/response`: the response body.
    Response(serde_json::Value),
    /// `POST /runtime/invocation/{id}/error`: `errorType` and `errorMessage`.
    Error(serde_json::Value),
    /// `POST /runtime/init/error`: the cold start failed.
    InitError(serde_json::Value),
}

#[derive(Default)]
struct State {
    events: Vec<serde_json::Value>,
    handed_out: usize,
    answers: Vec<Answer>,
}

/// The running API. Dropping it stops serving.
pub struct RuntimeApi {
    address: String,
    state: Arc<(Mutex<State>, Condvar)>,
    stopped: Arc<AtomicBool>,
}

impl RuntimeApi {
    /// Serves `events` on an ephemeral loopback port.
    pub fn start(events: Vec<serde_json::Value>) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?.to_string();
        let state = Arc::new((
            Mutex::new(State {
                events,
                ..State::default()
            }),
            Condvar::new(),
        ));
        let stopped = Arc::new(AtomicBool::new(false));
        let (s, stop) = (state.clone(), stopped.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (s, stop) = (s.clone(), stop.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &s, &stop);
                });
            }
        });
        Ok(Self {
            address,
            state,
            stopped,
        })
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API` for the function: `127.0.0.1:PORT`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The variables Lambda sets for a function named `name` of 1,024 MB, this API included
    /// (`lambda_runtime` refuses to start without them).
    pub fn lambda_env(&self, name: &str) -> Vec<(String, String)> {
        [
            ("AWS_LAMBDA_RUNTIME_API", self.address.as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", name),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/under-test"),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/12/02/[$LATEST]0123456789abcdef",
            ),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Waits until `n` answers have arrived (or `timeout` passed) and returns those there are.
    pub fn answers(&self, n: usize, timeout: Duration) -> Vec<Answer> {
        let (lock, cvar) = &*self.state;
        let deadline = Instant::now() + timeout;
        let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
        while state.answers.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = cvar
                .wait_timeout(state, left)
                .map(|(s, _)| s)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        state.answers.clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.state.1.notify_all();
        // Unblock the accept loop.
        let _ = TcpStream::connect(&self.address);
    }
}

fn serve(
    stream: TcpStream,
    state: &(Mutex<State>, Condvar),
    stopped: &AtomicBool,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let json = || serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        let (lock, cvar) = state;
        if method == "GET" && path.ends_with("/runtime/invocation/next") {
            let event = {
                let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if stopped.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                    if s.handed_out < s.events.len() {
                        s.handed_out += 1;
                        break (s.handed_out, s.events[s.handed_out - 1].to_string());
                    }
                    s = cvar
                        .wait_timeout(s, Duration::from_millis(200))
                        .map(|(s, _)| s)
                        .unwrap_or_else(|e| e.into_inner().0);
                }
            };
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() + 60_000)
                .unwrap_or(0);
            write!(
                writer,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                 Lambda-Runtime-Aws-Request-Id: request-{}\r\n\
                 Lambda-Runtime-Deadline-Ms: {deadline}\r\n\
                 Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:111111111111:function:under-test\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n\
                 Content-Length: {}\r\n\r\n{}",
                event.0,
                event.1.len(),
                event.1
            )?;
        } else {
            let answer = if path.ends_with("/response") {
                Some(Answer::Response(json()))
            } else if path.ends_with("/init/error") {
                Some(Answer::InitError(json()))
            } else if path.ends_with("/error") {
                Some(Answer::Error(json()))
            } else {
                None
            };
            let status = if let Some(answer) = answer {
                lock.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .answers
                    .push(answer);
                cvar.notify_all();
                "202 Accepted"
            } else {
                "404 Not Found"
            };
            write!(writer, "HTTP/1.1 {status}\r\nContent-Length: 2\r\n\r\n{{}}")?;
        }
        writer.flush()?;
    }
}

/// A child process's stdout and stderr, drained on threads while it runs (a full pipe would
/// block it: TRACE writes a lot). [`CapturedOutput::text`] waits for both to close.
pub struct CapturedOutput {
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl CapturedOutput {
    /// Takes the piped stdout and stderr of `child`.
    pub fn of(child: &mut std::process::Child) -> Self {
        fn drain(pipe: Option<Box<dyn Read + Send>>) -> std::thread::JoinHandle<String> {
            std::thread::spawn(move || {
                let mut text = String::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_string(&mut text);
                }
                text
            })
        }
        Self {
            stdout: drain(child.stdout.take().map(|p| Box::new(p) as _)),
            stderr: drain(child.stderr.take().map(|p| Box::new(p) as _)),
        }
    }

    /// Everything written, stdout then stderr (call once the process has ended).
    pub fn text(self) -> String {
        self.stdout.join().unwrap_or_default() + &self.stderr.join().unwrap_or_default()
    }
}
