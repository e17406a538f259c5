//! The error type of the crate boundary, and [`Trap`], the error a host
//! function raises to stop the guest.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong while loading, linking or running a guest.
///
/// Messages say what was expected, what was found, and where, so that they can
/// be shown to a user as they are.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The module file could not be read.
    #[error("cannot read wasm module {path}: {source}")]
    Io {
        /// The file that was asked for.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },

    /// The bytes are not a valid WebAssembly module.
    #[error("invalid wasm module{}: {message}", origin_suffix(.origin))]
    InvalidModule {
        /// Where the bytes came from, when known.
        origin: Option<String>,
        /// What the validator found.
        message: String,
    },

    /// The module needs something the host does not provide, or provides
    /// with another signature.
    #[error("cannot link guest: {0}")]
    Link(String),

    /// The guest was built against generated bindings that do not match the
    /// host's module (the model fingerprints differ): one side is older
    /// than the other, and the message names the functions that differ.
    #[error("{}", abi_mismatch_message(.module, .expected, .found, *.found_abi, .differences))]
    AbiMismatch {
        /// The wasm import module name.
        module: String,
        /// The host's model hash.
        expected: String,
        /// The guest's model hash.
        found: String,
        /// The ABI version the guest's bindings were generated for.
        found_abi: u32,
        /// The functions whose presence or signature differs, by name. The
        /// model hash also covers records, enums and exports, so the list
        /// can be empty.
        differences: Vec<BindingDiff>,
    },

    /// The guest trapped: it executed `unreachable`, accessed memory out of
    /// bounds, a host function failed, or it panicked (Go panics in reactor
    /// mode end in `unreachable`).
    #[error("guest trapped: {message}")]
    Trap {
        /// The engine's description, with the trap code or host message.
        message: String,
    },

    /// A call ran out of fuel: it executed more instructions than its limit
    /// allows (an infinite loop, or more work than the host budgeted).
    #[error("guest exceeded its execution limit of {limit} fuel units in `{func}`")]
    FuelExhausted {
        /// The export that was called.
        func: String,
        /// The fuel the call was given.
        limit: u64,
    },

    /// A call ran longer than its deadline (wall-clock time, see
    /// [`Limits::deadline`](crate::Limits::deadline)).
    #[error("guest exceeded its deadline of {deadline:?} in `{func}`")]
    DeadlineExceeded {
        /// The export that was called.
        func: String,
        /// The time the call was given.
        deadline: Duration,
    },

    /// The call was stopped by a [`CancelHandle`](crate::CancelHandle); the
    /// instance is poisoned.
    #[error("the call to `{func}` was cancelled")]
    Cancelled {
        /// The export that was called.
        func: String,
    },
    /// The guest tried to grow its memory past its limit.
    #[error(
        "guest exceeded its memory limit of {limit_bytes} bytes (it asked for {requested_bytes})"
    )]
    MemoryLimit {
        /// The limit.
        limit_bytes: usize,
        /// The size the guest asked for.
        requested_bytes: usize,
    },

    /// The instance trapped, exited or hit a limit before; a Go guest cannot
    /// continue after that, so it refuses further calls.
    #[error("the instance is unusable: {reason}")]
    Poisoned {
        /// What happened to it.
        reason: String,
    },

    /// A Go export panicked; the generated shim recovered the panic and
    /// reported its message. The instance is discarded all the same.
    #[error("guest panicked in `{func}`: {message}")]
    GuestPanic {
        /// The export, as `module.name`.
        func: String,
        /// Go's panic value, printed.
        message: String,
    },

    /// A Go export refused the call (its arguments did not decode, or no
    /// implementation was registered).
    #[error("guest refused the call to `{func}`: {message}")]
    Guest {
        /// The export, as `module.name`.
        func: String,
        /// The guest's explanation.
        message: String,
    },

    /// A Go export's reply does not decode; the guest is not the one the
    /// bindings were generated for, or its memory is corrupt.
    #[error("malformed reply from `{func}`: {message}")]
    BadReply {
        /// The export, as `module.name`.
        func: String,
        /// What was wrong.
        message: String,
    },

    /// A setting cannot work as given.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A plugin manifest cannot be used: it does not parse, a field is
    /// unknown, mistyped or out of range, or the module's SHA-256 is not
    /// the one it pins.
    #[error("{path}{}: {message}", .line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Manifest {
        /// The manifest file.
        path: String,
        /// The line of the offending field, when there is one.
        line: Option<usize>,
        /// What is wrong, naming the field.
        message: String,
    },

    /// A WASI context could not be configured as asked.
    #[error("cannot configure WASI: {0}")]
    Wasi(String),

    /// A reactor (plugin) called `proc_exit` during a call, which ends it.
    #[error("guest exited with code {code} during a call")]
    Exited {
        /// The exit code.
        code: i32,
    },

    /// The module lacks an export the host needs.
    #[error("module has no exported function `{name}`{}", missing_export_hint(.name, .expected))]
    MissingExport {
        /// The export's name.
        name: String,
        /// What the host expected: a signature, or a description.
        expected: String,
    },

    /// An export exists but its type is not what the caller expects; the
    /// guest was built against other bindings.
    #[error("export `{name}` has type {found}, which does not match the call; the guest may be built against stale bindings")]
    ExportType {
        /// The export's name.
        name: String,
        /// Its actual signature.
        found: String,
    },

    /// No plugin of that name serves in the [`PluginSet`](crate::PluginSet).
    #[error("no plugin named `{name}` is loaded")]
    UnknownPlugin {
        /// The name asked for.
        name: String,
    },

    /// Anything else the engine reported.
    #[error("{0}")]
    Engine(String),
}

impl Error {
    /// Whether the error leaves the instance unusable: a trap, an exit, or a
    /// limit hit. Pools drop such instances.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            Error::Trap { .. }
                | Error::FuelExhausted { .. }
                | Error::DeadlineExceeded { .. }
                | Error::Cancelled { .. }
                | Error::MemoryLimit { .. }
                | Error::Poisoned { .. }
                | Error::Exited { .. }
                | Error::GuestPanic { .. }
                | Error::BadReply { .. }
        )
    }
}

/// How one function of a host module differs between the bindings a guest
/// was built against and the host's (see [`Error::AbiMismatch`]). Signatures
/// read as in the WebAssembly text format: `(i32, i32) -> i32`.
///
/// ```no_run
/// # fn check(linker: &gohost::Linker<()>, module: &gohost::Module) {
/// use gohost::{BindingDiff, Error, WasiConfig};
///
/// match linker.instantiate(module, &WasiConfig::new(), ()) {
///     Err(Error::AbiMismatch { module, differences, .. }) => {
///         for d in &differences {
///             if let BindingDiff::OnlyInGuest { name, .. } = d {
///                 eprintln!("the guest calls {module}.{name}, which this host lacks");
///             }
///         }
///     }
///     Err(e) => eprintln!("{e}"),
///     Ok(_instance) => {}
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BindingDiff {
    /// The guest imports a function the host does not provide: the guest's
    /// bindings are newer, or the host's dropped it.
    OnlyInGuest {
        /// The function's import name.
        name: String,
        /// Its signature in the guest.
        signature: String,
    },
    /// The host provides a function the guest does not import: the host's
    /// bindings are newer, or the guest does not call it (a Go build keeps
    /// only the imports it calls).
    OnlyInHost {
        /// The function's import name.
        name: String,
        /// Its signature on the host.
        signature: String,
    },
    /// Both have the function, with other signatures.
    Signature {
        /// The function's import name.
        name: String,
        /// Its signature in the guest.
        guest: String,
        /// Its signature on the host.
        host: String,
    },
}

impl BindingDiff {
    /// The function's import name.
    pub fn name(&self) -> &str {
        match self {
            BindingDiff::OnlyInGuest { name, .. }
            | BindingDiff::OnlyInHost { name, .. }
            | BindingDiff::Signature { name, .. } => name,
        }
    }
}

impl fmt::Display for BindingDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindingDiff::OnlyInGuest { name, signature } => {
                write!(
                    f,
                    "{name} {signature}: in the guest's bindings, not in the host's"
                )
            }
            BindingDiff::OnlyInHost { name, signature } => write!(
                f,
                "{name} {signature}: in the host's bindings; the guest does not import it \
                 (it is not in the guest's bindings, or the guest does not call it)"
            ),
            BindingDiff::Signature { name, guest, host } => write!(
                f,
                "{name}: {guest} in the guest's bindings, {host} in the host's"
            ),
        }
    }
}

/// [`Error::AbiMismatch`]'s message: a header naming the module and both
/// fingerprints, one indented line per function that differs, and what to
/// do, without presuming which side is stale.
fn abi_mismatch_message(
    module: &str,
    expected: &str,
    found: &str,
    found_abi: u32,
    differences: &[BindingDiff],
) -> String {
    use std::fmt::Write as _;
    let abi = crate::__private::ABI_VERSION;
    let versions = if found_abi == abi {
        format!("the guest's fingerprint is {found}, the host's {expected}")
    } else {
        format!(
            "the guest's: ABI {found_abi}, fingerprint {found}; \
             the host's: ABI {abi}, fingerprint {expected}"
        )
    };
    let mut o = format!(
        "cannot link guest: its bindings for host module `{module}` are not the host's ({versions}):"
    );
    for d in differences {
        let _ = write!(o, "\n  {d}");
    }
    if differences.is_empty() {
        o.push_str(
            "\n  every function the guest imports has the host's signature: what differs is \
             in the records or enums they carry, or in the exports",
        );
    }
    let _ = write!(
        o,
        "\nrebuild the guest against the host's bindings (`gohost gen`, then `go build`), \
         or build the host with the version of `{module}` the guest was built against"
    );
    o
}

/// Says why a well-known export is missing, or which type was expected.
fn missing_export_hint(name: &str, expected: &str) -> String {
    match name {
        "_initialize" => "; it is a command, not a plugin: build Go plugins as reactors \
             (`GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared`)"
            .to_owned(),
        "_start" => "; it is a reactor (a plugin), not a program: call initialize() and its \
             exports instead of run()"
            .to_owned(),
        _ if expected.contains("->") => format!(" of type {expected}"),
        _ => String::new(),
    }
}

fn origin_suffix(origin: &Option<String>) -> String {
    match origin {
        Some(o) => format!(" {o}"),
        None => String::new(),
    }
}

/// Raised by a host function to stop the guest with a message.
///
/// The call that reached the host function fails with [`Error::Trap`]
/// carrying this message; the instance is unusable afterwards, the host
/// process is not affected.
//
// One pointer wide: every host function returns `Result<R, Trap>`, which
// then fits in two registers instead of going through memory on each call
// (the error path pays one allocation instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap(Box<TrapInner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct TrapInner {
    message: String,
    kind: TrapKind,
}

/// Where a [`Trap`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrapKind {
    /// Returned by a host function (or made by gohost).
    Returned,
    /// Made from a host function's panic (for the outcome of its span).
    Panicked,
    /// Not a trap: an async host call parked its pending future, and the
    /// engine (wasmi) is to suspend the call until it is ready.
    Suspended,
}

impl Trap {
    /// A trap with the given message.
    pub fn new(message: impl Into<String>) -> Self {
        Trap::of_kind(message.into(), TrapKind::Returned)
    }

    fn of_kind(message: String, kind: TrapKind) -> Self {
        Trap(Box::new(TrapInner { message, kind }))
    }

    /// The "trap" that suspends a call while an async host call is
    /// pending (wasmi; see `host::async_start`).
    pub(crate) fn suspend() -> Self {
        Trap::of_kind(
            "gohost: an async host call is pending".into(),
            TrapKind::Suspended,
        )
    }

    /// The message the trap carries.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Whether a host function's panic made this trap.
    pub(crate) fn panicked(&self) -> bool {
        self.0.kind == TrapKind::Panicked
    }

    /// Whether this is the "trap" that suspends a call ([`Trap::suspend`]).
    pub(crate) fn suspended(&self) -> bool {
        self.0.kind == TrapKind::Suspended
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Trap {}

/// Runs `f`, turning a panic into a [`Trap`] that names the host function
/// and carries the panic's message: a panicking host function must fail the
/// guest's call, not unwind through the engine into the embedder.
///
/// `names` (module, function) is one reference, which the panic path alone
/// reads: two `&str`s would be read out of their `String`s and kept on the
/// stack for it before every call.
#[inline(always)]
pub(crate) fn catch_panic<M: AsRef<str>, N: AsRef<str>, R>(
    names: &(M, N),
    f: impl FnOnce() -> R,
) -> Result<R, Trap> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|payload| panicked(names.0.as_ref(), names.1.as_ref(), &*payload))
}

/// The trap of a host function that panicked with `payload`.
#[cold]
fn panicked(module: &str, func: &str, payload: &(dyn std::any::Any + Send)) -> Trap {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-text panic payload".to_owned());
    Trap::of_kind(
        format!("host function {module}.{func} panicked: {msg}"),
        TrapKind::Panicked,
    )
}
