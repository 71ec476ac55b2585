//! Empty: without a build script cargo would not resolve the [build-dependencies], whose
//! features (syn's, for the proc-macros) are the point of them.

fn main() {}
