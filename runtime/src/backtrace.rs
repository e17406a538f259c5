//! Where a guest was when the engine stopped it: the wasm call stack of a
//! trap, with each function's name from the module's `name` section, which
//! Go writes into every wasm binary (`main.(*store).Put`,
//! `encoding/json.(*decodeState).object`).

use std::fmt;

/// The wasm call stack of a guest that trapped or was stopped, innermost
/// frame first, as the engine saw it.
///
/// Carried by [`Error::Trap`](crate::Error::Trap),
/// [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded) and
/// [`Error::FuelExhausted`](crate::Error::FuelExhausted) when the engine
/// gives frames (wasmtime does, up to 64 of them; wasmi gives none, and
/// the backtrace is empty). A trap's one-line message names the innermost
/// Go function; `{}` of the backtrace lists every frame:
///
/// ```no_run
/// # fn report(instance: &mut gohost::Instance<()>) {
/// if let Err(e) = instance.call::<(), ()>("run", ()) {
///     eprintln!("{e}"); // guest trapped: call stack exhausted in `main.walk`
///     if let Some(backtrace) = e.backtrace() {
///         eprintln!("{backtrace}");
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuestBacktrace {
    frames: Vec<GuestFrame>,
}

/// One frame of a [`GuestBacktrace`]: a call of a wasm function.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GuestFrame {
    /// The function's index in the module.
    pub func_index: u32,
    /// Its name from the module's `name` section, if the module has one.
    pub name: Option<String>,
    /// The offset in the module's bytes of the instruction the frame was
    /// at, when the engine knows it.
    pub module_offset: Option<usize>,
}

impl GuestFrame {
    /// A frame of the function `func_index`, named `name`, at
    /// `module_offset`.
    pub fn new(func_index: u32, name: Option<String>, module_offset: Option<usize>) -> Self {
        GuestFrame {
            func_index,
            name,
            module_offset,
        }
    }

    /// Whether the frame is Go's runtime (or its internal packages) rather
    /// than the program's own code.
    fn is_go_runtime(&self) -> bool {
        self.name.as_deref().is_some_and(|name| {
            name.starts_with("runtime.")
                || name.starts_with("internal/")
                || name.starts_with("wasm_pc_f_loop")
        })
    }
}

impl GuestBacktrace {
    /// A backtrace of `frames`, innermost first.
    pub fn new(frames: Vec<GuestFrame>) -> Self {
        GuestBacktrace { frames }
    }

    /// The frames, innermost first.
    pub fn frames(&self) -> &[GuestFrame] {
        &self.frames
    }

    /// Whether the engine gave no frames.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Where the guest was, for a one-line message: the innermost named
    /// function, and when that is Go's runtime (a `runtime.memmove` of a
    /// bad copy, say), the program's own function that called it:
    /// ``"`main.walk`"``, ``"`runtime.memmove` called from `main.fill`"``.
    /// `None` when no frame is named.
    pub fn location(&self) -> Option<String> {
        let innermost = self.frames.iter().find(|f| f.name.is_some())?;
        let name = innermost.name.as_deref()?;
        if !innermost.is_go_runtime() {
            return Some(format!("`{name}`"));
        }
        let caller = self
            .frames
            .iter()
            .filter(|f| !f.is_go_runtime())
            .find_map(|f| f.name.as_deref());
        Some(match caller {
            Some(caller) => format!("`{name}` called from `{caller}`"),
            None => format!("`{name}`"),
        })
    }
}

impl fmt::Display for GuestBacktrace {
    /// The frames, one a line, innermost first, numbered as wasmtime and
    /// Go's own tracebacks read: `  0: main.walk (func 1234, offset
    /// 0x5678)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("wasm backtrace:")?;
        for (i, frame) in self.frames.iter().enumerate() {
            write!(f, "\n  {i:>2}: ")?;
            match &frame.name {
                Some(name) => write!(f, "{name} (func {})", frame.func_index)?,
                None => write!(f, "<func {}>", frame.func_index)?,
            }
            if let Some(offset) = frame.module_offset {
                write!(f, " at offset {offset:#x}")?;
            }
        }
        Ok(())
    }
}

impl GuestBacktrace {
    /// Gives frames Go's own names back. Go's linker writes a function's
    /// name into the `name` section with every character other than
    /// letters, digits, `_` and `.` made `_` (`encoding_json.__decodeState_.object`
    /// for `encoding/json.(*decodeState).object`); the original is in the
    /// runtime's table of function names in the guest's memory, one
    /// NUL-terminated string per function, which this finds by the longest
    /// part the two share. A name not found there stays as the section
    /// gives it.
    pub(crate) fn restore_go_names(&mut self, memory: &[u8]) {
        // The table is in the program's read-only data, which Go places
        // first in memory.
        let memory = &memory[..memory.len().min(GO_DATA_SCAN)];
        let mut found: Vec<(String, Option<String>)> = Vec::new();
        for frame in &mut self.frames {
            let Some(name) = frame.name.as_mut().filter(|n| n.contains('_')) else {
                continue;
            };
            let original = match found.iter().find(|(seen, _)| seen == name) {
                Some((_, original)) => original.clone(),
                None => {
                    let original = go_name(name, memory);
                    found.push((name.clone(), original.clone()));
                    original
                }
            };
            if let Some(original) = original {
                *name = original;
            }
        }
    }
}

/// How much of a guest's memory [`GuestBacktrace::restore_go_names`]
/// searches: Go's read-only data, the table of names included, takes a few
/// MiB in the largest programs.
const GO_DATA_SCAN: usize = 64 << 20;

/// The NUL-terminated string in `memory` that Go's linker would have
/// written as `sanitized`.
fn go_name(sanitized: &str, memory: &[u8]) -> Option<String> {
    let s = sanitized.as_bytes();
    // The longest run of bytes the two names must share.
    let (start, len) = s
        .split(|&b| b == b'_')
        .scan(0, |at, run| {
            let start = *at;
            *at += run.len() + 1;
            Some((start, run.len()))
        })
        .max_by_key(|&(_, len)| len)?;
    if len < 3 {
        return None;
    }
    memchr::memmem::find_iter(memory, &s[start..start + len]).find_map(|pos| {
        let begin = pos.checked_sub(start)?;
        let candidate = memory.get(begin..begin + s.len())?;
        let terminated =
            memory.get(begin + s.len()) == Some(&0) && (begin == 0 || memory[begin - 1] == 0);
        let same = s.iter().zip(candidate).all(|(&want, &have)| {
            want == have || (want == b'_' && have.is_ascii_punctuation() && have != b'.')
        });
        (terminated && same)
            .then(|| std::str::from_utf8(candidate).ok().map(str::to_owned))
            .flatten()
    })
}

/// ` {word} {location}`, or nothing: the end of an error's message.
pub(crate) fn at(word: &str, backtrace: &GuestBacktrace) -> String {
    backtrace
        .location()
        .map(|location| format!(" {word} {location}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(i: u32, name: Option<&str>) -> GuestFrame {
        GuestFrame::new(i, name.map(str::to_owned), Some(16 * i as usize))
    }

    #[test]
    fn the_location_is_the_innermost_go_function() {
        let bt = GuestBacktrace::new(vec![
            frame(1, None),
            frame(2, Some("main.walk")),
            frame(3, Some("main.main")),
        ]);
        assert_eq!(bt.location().as_deref(), Some("`main.walk`"));
        assert_eq!(at("in", &bt), " in `main.walk`");
    }

    #[test]
    fn a_runtime_frame_names_the_program_s_caller_too() {
        let bt = GuestBacktrace::new(vec![
            frame(1, Some("runtime.memmove")),
            frame(2, Some("internal/bytealg.IndexByte")),
            frame(3, Some("main.(*store).Put")),
        ]);
        assert_eq!(
            bt.location().as_deref(),
            Some("`runtime.memmove` called from `main.(*store).Put`")
        );
        let only_runtime = GuestBacktrace::new(vec![frame(1, Some("runtime.mallocgc"))]);
        assert_eq!(
            only_runtime.location().as_deref(),
            Some("`runtime.mallocgc`")
        );
    }

    #[test]
    fn no_named_frame_is_no_location() {
        assert_eq!(GuestBacktrace::default().location(), None);
        assert_eq!(at("in", &GuestBacktrace::default()), "");
        let unnamed = GuestBacktrace::new(vec![frame(7, None)]);
        assert_eq!(unnamed.location(), None);
    }

    #[test]
    fn go_s_own_names_come_back_from_its_table_of_names() {
        let memory = b"\x01\x02main.main\0encoding/json.(*decodeState).object\0main.(*cells).put\0main.x_y\0";
        let mut bt = GuestBacktrace::new(vec![
            frame(1, Some("main.__cells_.put")),
            frame(2, Some("encoding_json.__decodeState_.object")),
            frame(3, Some("main.x_y")),
            frame(4, Some("main.__absent_.f")),
            frame(5, Some("main.main")),
        ]);
        bt.restore_go_names(memory);
        let names: Vec<_> = bt.frames().iter().map(|f| f.name.as_deref()).collect();
        assert_eq!(
            names,
            [
                Some("main.(*cells).put"),
                Some("encoding/json.(*decodeState).object"),
                Some("main.x_y"),
                Some("main.__absent_.f"),
                Some("main.main"),
            ]
        );
    }

    #[test]
    fn a_name_must_be_a_whole_string_of_the_table() {
        // Found inside a longer string, or not NUL-terminated: not it.
        for memory in [&b"\0xmain.(*cells).put\0"[..], b"\0main.(*cells).put"] {
            let mut bt = GuestBacktrace::new(vec![frame(1, Some("main.__cells_.put"))]);
            bt.restore_go_names(memory);
            assert_eq!(bt.frames()[0].name.as_deref(), Some("main.__cells_.put"));
        }
    }

    #[test]
    fn the_listing_numbers_every_frame() {
        let bt = GuestBacktrace::new(vec![frame(1, Some("main.walk")), frame(2, None)]);
        assert_eq!(
            bt.to_string(),
            "wasm backtrace:\n   0: main.walk (func 1) at offset 0x10\n   1: <func 2> at offset 0x20"
        );
    }
}
