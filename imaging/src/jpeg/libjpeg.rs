//! libjpeg's error handlers: the crate's only unsafe code, kept to what cannot be done safely.
//!
//! The `mozjpeg` wrapper is safe, but its error manager silences warnings, and libjpeg reports
//! a truncated file only as a warning: "Premature end of JPEG file" (JWRN_JPEG_EOF) when the
//! data runs out, "premature end of data segment" (JWRN_HIT_MARKER) when a marker such as an
//! appended EOI cuts a scan short. It then draws the missing part in grey. The contract calls
//! every truncated file `corrupt`, so this error manager turns exactly those two warnings into
//! an unwind, as libjpeg's fatal errors already are (other warnings, such as extraneous bytes
//! before a marker, stay silent: decoders everywhere accept such files).
//!
//! Why it is sound:
//! - `jpeg_std_error` initialises every field of the zeroed `jpeg_error_mgr` (a plain C struct
//!   of function pointers, integers and pointers, for which all-zero is a valid value) before
//!   the handlers are replaced; the wrapper boxes it and points `cinfo.err` at it for as long
//!   as the decompressor lives.
//! - libjpeg calls the handlers with the `cinfo` it was created with, whose `err` is therefore
//!   that live error manager: reading its `msg_code` and its static message table is reading
//!   memory libjpeg owns and has initialised.
//! - Unwinding out of a handler is how the wrapper itself reports fatal errors: mozjpeg-sys
//!   builds libjpeg with unwinding enabled (its default `unwinding` feature) and declares the
//!   callbacks `C-unwind`; the unwind is caught at the decoder boundary (`decode.rs`), and the
//!   wrapper's `Drop` then calls `jpeg_destroy_decompress`, which is valid after any error.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::os::raw::c_int;

use mozjpeg_sys::{JWRN_HIT_MARKER, JWRN_JPEG_EOF, jpeg_common_struct, jpeg_error_mgr};

/// An error manager whose fatal errors and premature-end warnings unwind with a message.
pub(crate) fn error_manager() -> jpeg_error_mgr {
    // SAFETY: all-zero is a valid jpeg_error_mgr (see the module comment), and jpeg_std_error
    // only writes into the struct it is given.
    let mut err: jpeg_error_mgr = unsafe { std::mem::zeroed() };
    unsafe { mozjpeg_sys::jpeg_std_error(&mut err) };
    err.error_exit = Some(error_exit);
    err.emit_message = Some(emit_message);
    err
}

/// The current message's text from libjpeg's own table (its `printf` template: parameters are
/// not substituted), or its code.
fn message(cinfo: &jpeg_common_struct) -> String {
    // SAFETY: cinfo.err is the live error manager installed above (module comment).
    let err = unsafe { &*cinfo.err };
    let code = err.msg_code;
    if code > 0 && code <= err.last_jpeg_message && !err.jpeg_message_table.is_null() {
        // SAFETY: the standard table has last_jpeg_message + 1 entries of static C strings.
        let text = unsafe {
            let entry = *err.jpeg_message_table.add(code as usize);
            (!entry.is_null()).then(|| CStr::from_ptr(entry.cast()).to_string_lossy().into_owned())
        };
        if let Some(text) = text {
            return format!("libjpeg: {text}");
        }
    }
    format!("libjpeg message {code}")
}

extern "C-unwind" fn error_exit(cinfo: &mut jpeg_common_struct) {
    std::panic::resume_unwind(Box::new(message(cinfo)));
}

extern "C-unwind" fn emit_message(cinfo: &mut jpeg_common_struct, level: c_int) {
    // Negative levels are warnings; the others are trace messages.
    if level >= 0 {
        return;
    }
    // SAFETY: as in `message`.
    let code = unsafe { (*cinfo.err).msg_code };
    if code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER {
        std::panic::resume_unwind(Box::new(format!(
            "its image data ends early ({}): the file is truncated",
            message(cinfo)
        )));
    }
}
