//! A minimal HTTP/1.1 client for the demo and the test: one `GET` per
//! connection (`Connection: close`), bounded in time and in size, over a
//! Tokio `TcpStream`. Enough to talk to our own server without pulling in
//! an HTTP client crate.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// How long one request may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The largest response read, headers included.
pub const MAX_RESPONSE: usize = 1 << 20;

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The `x-plugin` header: which plugin answered.
    pub plugin: Option<String>,
    pub body: String,
    /// From just before connecting to the end of the response.
    pub elapsed: Duration,
}

/// Sends `GET target` (a path and query, such as `/plugins/docs?q=gopher`)
/// to `addr` and reads the whole answer.
pub async fn get(addr: SocketAddr, target: &str) -> io::Result<Reply> {
    let started = Instant::now();
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        (&mut stream)
            .take(MAX_RESPONSE as u64 + 1)
            .read_to_end(&mut raw)
            .await?;
        if raw.len() > MAX_RESPONSE {
            return Err(invalid(format!(
                "the response is over {MAX_RESPONSE} bytes"
            )));
        }
        Ok(raw)
    };
    let raw = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!("GET {target}: no answer within {TIMEOUT:?}"),
            )
        })??;
    let mut reply = parse(&raw)?;
    reply.elapsed = started.elapsed();
    Ok(reply)
}

/// Parses a whole HTTP/1.1 response with a `Content-Length` (or a body
/// that runs to the end of the connection).
fn parse(raw: &[u8]) -> io::Result<Reply> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| invalid("no end of headers".into()))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|e| invalid(e.to_string()))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid(format!("bad status line {status_line:?}")))?;
    let mut plugin = None;
    let mut length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| invalid(format!("bad content-length {value:?}")))?,
            );
        } else if name.eq_ignore_ascii_case("x-plugin") {
            plugin = Some(value.to_owned());
        }
    }
    let body = &raw[split + 4..];
    let body = match length {
        Some(n) if n <= body.len() => &body[..n],
        Some(n) => {
            return Err(invalid(format!(
                "the body has {} of its {n} bytes",
                body.len()
            )))
        }
        None => body,
    };
    Ok(Reply {
        status,
        plugin,
        body: String::from_utf8_lossy(body).into_owned(),
        elapsed: Duration::ZERO,
    })
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_a_response() {
        let raw = b"HTTP/1.1 504 Gateway Timeout\r\ncontent-type: text/plain\r\nx-plugin: spin\r\ncontent-length: 5\r\n\r\nslow\n";
        let reply = parse(raw).expect("parse");
        assert_eq!(reply.status, 504);
        assert_eq!(reply.plugin.as_deref(), Some("spin"));
        assert_eq!(reply.body, "slow\n");
        assert!(parse(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nshort").is_err());
        assert!(parse(b"garbage").is_err());
    }
}
