//! HTTP for gohost: Go `net/http` handlers served from a Rust service, and
//! outbound `net/http` from Go plugins under the host's policy.
//!
//! Two halves, each its own module:
//!
//! - `inbound`: a `tower::Service` (hyper 1 and axum compatible) over a
//!   [`gohost::Pool`] or a [`gohost::PluginSet`] plugin whose Go side serves
//!   an `http.Handler`;
//! - `outbound`: the host side of the `RoundTripper` gohost's Go package
//!   installs, which makes requests with a real client under a policy
//!   checked on resolved addresses.

pub mod outbound;
