//! The package-level declarations before the types: the ABI version and
//! model fingerprint (with the import the host checks them by), `Config`,
//! and the helpers the wrappers share, each only when some wrapper uses it:
//! fetching a kept result (`takeResult`), the status record and its error
//! (`callStatus`, `callFailed`), the error of a fixed-size result that did
//! not arrive (`fixedFailed`), the pending flag of async calls and the
//! release of dropped handles.

use std::fmt::Write as _;

use super::{config, fixed, Gen};
use crate::model::*;
use crate::shared::ABI_VERSION;

impl Gen<'_> {
    pub(super) fn prelude(&mut self) {
        let m = self.m;
        let o = &mut self.out;
        let _ = write!(
            o,
            "// ABIVersion is the version of the gohost ABI this package was generated for.
const ABIVersion = {ABI_VERSION}

// ModelHash fingerprints the host module's model. The host refuses a guest
// built against a different model and names the stale module.
const ModelHash = \"{hash}\"

const moduleName = \"{name}\"

//go:wasmimport {name} __gohost_abi_{ABI_VERSION}_{hash}
func gohostABI()

func init() {{
\tgohostABI()
}}

",
            hash = self.hash,
            name = m.name,
        );
        if config::wanted(m) {
            config::emit(o);
        }
        let status = m.funcs.iter().any(Func::uses_status);
        if status || m.funcs.iter().any(Func::uses_ret_area) {
            let _ = write!(o, "//go:wasmimport {} __gohost_take\n{TAKE_RESULT}", m.name);
        }
        if m.funcs.iter().any(|f| fixed::result_size(m, f).is_some()) {
            o.push_str(FIXED_FAILED);
        }
        if status {
            o.push_str(CALL_STATUS);
        }
        if m.funcs.iter().any(|f| f.is_async) {
            o.push_str(ASYNC_PENDING);
        }
        if m.types.iter().any(|t| matches!(t, TypeDef::Handle(_))) {
            let _ = write!(o, "//go:wasmimport {} __gohost_drop\n{DROP_HANDLE}", m.name);
        }
    }
}

/// The import that hands over the payload the host kept for the last call
/// (its `//go:wasmimport` line goes before), and the helper that fetches it.
const TAKE_RESULT: &str = r#"//go:noescape
func gohostTake(ptr unsafe.Pointer, n uint32) uint32

// takeResult fetches the n-byte payload the host kept for the call that
// just returned, into buf when it fits.
func takeResult(n uint32, buf []byte) []byte {
	var b []byte
	if int(n) <= len(buf) {
		b = buf[:n]
	} else {
		b = make([]byte, n)
	}
	if gohostTake(unsafe.Pointer(unsafe.SliceData(b)), n) != 0 {
		panic("gohost: " + moduleName + ": the host kept no result to take")
	}
	runtime.KeepAlive(b)
	return b
}

"#;

/// The Go helper of the wrappers whose fixed-size result did not arrive as
/// expected (`Gen::fixed_area_body`): it decodes what came the general way,
/// for the same errors as the other wrappers.
const FIXED_FAILED: &str = r#"// fixedFailed returns the error of a call to fn whose fixed-size result
// did not arrive: the host's error (status st), or why the n-byte payload,
// in buf when it fits, does not decode.
func fixedFailed[T any](fn string, st, n uint32, buf []byte, typed func(*gohost.Reader) (error, error), decode func(*gohost.Reader) (T, error)) error {
	var p []byte
	if int(n) <= len(buf) {
		// A copy: buf is an array on the caller's stack, which must not escape.
		p = append([]byte(nil), buf[:n]...)
	} else {
		p = takeResult(n, nil)
	}
	if st != 0 {
		return gohost.CallError(moduleName, fn, st, p, typed)
	}
	r := gohost.NewReader(p)
	_, err := decode(r)
	if err == nil {
		err = r.Done()
	}
	return gohost.ResultError(moduleName, fn, err)
}

"#;

/// The status record of the functions that return their result directly
/// but can fail, and the error of a failed call. `callFailed` fetches the
/// payload as `takeResult` does, written out: one Go call less on the
/// error path.
const CALL_STATUS: &str = r#"// callStatus is where the functions that return their result directly
// learn that they failed: the host writes it only then, and the wrapper
// resets it at once (callFailed).
var callStatus gohost.Status

// callFailed returns the error of the call to fn that just failed, and
// resets callStatus.
func callFailed(fn string, typed func(*gohost.Reader) (error, error)) error {
	st := callStatus
	callStatus = gohost.Status{}
	sc := gohost.BeginCall()
	p := sc.Buf
	if int(st.Len) <= len(p) {
		p = p[:st.Len]
	} else {
		p = make([]byte, st.Len)
	}
	if gohostTake(unsafe.Pointer(unsafe.SliceData(p)), st.Len) != 0 {
		panic("gohost: " + moduleName + ": the host kept no result to take")
	}
	err := gohost.CallError(moduleName, fn, st.Code, p, typed)
	gohost.EndCall(sc)
	return err
}

"#;

/// Where the host says that an async function's call is pending
/// (`raw::raw_call`).
const ASYNC_PENDING: &str =
    "// asyncPending is where the host says that an async function's call is
// still pending: it writes 1 there, and the wrapper calls the import
// again until the host, the call done, writes 0. Nothing else runs in
// between.
var asyncPending uint32

";

/// The import that releases a handle (its `//go:wasmimport` line goes
/// before), and the cleanup of the handles the guest drops.
const DROP_HANDLE: &str = "func gohostDrop(h uint32) uint32

// dropHandle releases a handle the guest no longer references: the
// cleanup of every handle that is not closed or given to the host.
func dropHandle(h uint32) { gohostDrop(h) }

";
