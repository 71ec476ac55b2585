//! No code. Depending on this package makes cargo resolve, for every function and `render`, the
//! same features of the crates they share, so `sam build`'s one-function-at-a-time builds reuse
//! one compilation of each (see Cargo.toml; `python -m devtools unified-features` checks it).
