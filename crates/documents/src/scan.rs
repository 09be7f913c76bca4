//! The virus-scanning hook: every upload can be streamed to ClamAV's daemon, clamd, before it is
//! stored.
//!
//! It fails closed. When a scanner is configured, an upload is accepted only on clamd's
//! explicit `OK`: an unreachable, slow, or confused scanner refuses the upload
//! ([`Refused::ScanFailed`]) instead of letting it through unscanned.
//!
//! The protocol is clamd's `INSTREAM` (clamd(8)): the command `zINSTREAM\0`, the file in chunks
//! each prefixed by its length as a 4-byte big-endian number, a zero length to end, then one
//! reply ending in NUL: `stream: OK`, `stream: <signature> FOUND`, or `... ERROR`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::intake::Refused;

/// Whether and where uploads are scanned for viruses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanner {
    /// No scanning: every upload's verdict is [`Verdict::NotScanned`]. For development and
    /// demos; a production install should run clamd.
    None,
    /// ClamAV's daemon.
    Clamd {
        address: ClamdAddress,
        /// The longest a whole scan may take, connecting included.
        timeout: Duration,
    },
}

/// Where clamd listens: `host:port` for TCP, or the path of its Unix socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClamdAddress {
    Tcp(String),
    Unix(PathBuf),
}

/// What the scanner said about one upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    Infected {
        /// clamd's name for what it found, such as `Eicar-Signature`.
        signature: String,
    },
    /// No scanner is configured ([`Scanner::None`]). Kept distinct from [`Verdict::Clean`] so
    /// an audit entry can say which it was.
    NotScanned,
}

/// Why a scan gave no verdict.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{0:?} is not a clamd address: give host:port, or the path of clamd's Unix socket")]
    InvalidAddress(String),
    #[error("The virus scanner (clamd) at {address} cannot be reached")]
    Unreachable {
        address: ClamdAddress,
        #[source]
        source: std::io::Error,
    },
    #[error("The virus scanner (clamd) at {address} did not answer within {} seconds", .timeout.as_secs())]
    TimedOut {
        address: ClamdAddress,
        timeout: Duration,
    },
    #[error("The connection to the virus scanner (clamd) at {address} failed during the scan")]
    Connection {
        address: ClamdAddress,
        #[source]
        source: std::io::Error,
    },
    #[error("The virus scanner (clamd) at {address} answered {reply:?} instead of a verdict")]
    UnexpectedReply {
        address: ClamdAddress,
        reply: String,
    },
}

impl Scanner {
    /// Long enough for clamd to unpack and scan a 20 MB Word document on a busy machine; short
    /// enough that an upload does not hang on a scanner that has stopped answering.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// clamd at `address` (`host:port`, or a Unix socket path such as
    /// `/run/clamav/clamd.ctl`, optionally written `unix:/run/clamav/clamd.ctl`), with
    /// [`Scanner::DEFAULT_TIMEOUT`].
    pub fn clamd(address: &str) -> Result<Scanner, ScanError> {
        Ok(Scanner::Clamd {
            address: address.parse()?,
            timeout: Scanner::DEFAULT_TIMEOUT,
        })
    }

    /// Scans `bytes`: a verdict, or why there is none.
    pub async fn scan(&self, bytes: &[u8]) -> Result<Verdict, ScanError> {
        let Scanner::Clamd { address, timeout } = self else {
            return Ok(Verdict::NotScanned);
        };
        let reply = tokio::time::timeout(*timeout, address.instream(bytes))
            .await
            .map_err(|_| ScanError::TimedOut {
                address: address.clone(),
                timeout: *timeout,
            })??;
        match parse_reply(&reply) {
            Some(verdict) => Ok(verdict),
            None => Err(ScanError::UnexpectedReply {
                address: address.clone(),
                reply: String::from_utf8_lossy(&reply).trim_end().to_owned(),
            }),
        }
    }

    /// Scans `bytes` and refuses the upload unless the scanner has no objection: an infected
    /// file is [`Refused::Infected`], and a scan that gave no verdict is
    /// [`Refused::ScanFailed`] (fail closed). Without a scanner, [`Verdict::NotScanned`].
    pub async fn check(&self, bytes: &[u8]) -> Result<Verdict, Refused> {
        match self.scan(bytes).await {
            Ok(Verdict::Infected { signature }) => Err(Refused::Infected { signature }),
            Ok(verdict) => Ok(verdict),
            Err(error) => Err(Refused::ScanFailed(error)),
        }
    }
}

/// Each chunk is at most this long: clamd's `StreamMaxLength` bounds the total, not the chunk,
/// but small chunks let it stop reading as soon as the total is over.
const CHUNK: usize = 64 * 1024;
/// clamd's replies are one short line; anything longer is not clamd.
const MAX_REPLY: usize = 4096;

impl ClamdAddress {
    async fn instream(&self, bytes: &[u8]) -> Result<Vec<u8>, ScanError> {
        let unreachable = |source| ScanError::Unreachable {
            address: self.clone(),
            source,
        };
        let exchanged = match self {
            ClamdAddress::Tcp(address) => {
                let mut stream = tokio::net::TcpStream::connect(address.as_str())
                    .await
                    .map_err(unreachable)?;
                exchange(&mut stream, bytes).await
            }
            #[cfg(unix)]
            ClamdAddress::Unix(path) => {
                let mut stream = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(unreachable)?;
                exchange(&mut stream, bytes).await
            }
            #[cfg(not(unix))]
            ClamdAddress::Unix(_) => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "Unix sockets are not available on this system",
            )),
        };
        exchanged.map_err(|source| ScanError::Connection {
            address: self.clone(),
            source,
        })
    }
}

/// Sends `bytes` as an `INSTREAM` and returns clamd's reply without its closing NUL.
async fn exchange<S>(stream: &mut S, bytes: &[u8]) -> std::io::Result<Vec<u8>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let sent = send(stream, bytes).await;
    // clamd replies `INSTREAM size limit exceeded. ERROR` and hangs up mid-stream when a file is
    // over its limit: that reply says more than the broken pipe the sender then sees.
    let reply = read_reply(stream).await;
    match (sent, reply) {
        (_, Ok(reply)) if !reply.is_empty() => Ok(reply),
        (Err(error), _) => Err(error),
        (Ok(()), reply) => reply,
    }
}

async fn send<S>(stream: &mut S, bytes: &[u8]) -> std::io::Result<()>
where
    S: AsyncWrite + Unpin,
{
    stream.write_all(b"zINSTREAM\0").await?;
    for chunk in bytes.chunks(CHUNK) {
        let len = u32::try_from(chunk.len()).map_err(std::io::Error::other)?;
        stream.write_all(&len.to_be_bytes()).await?;
        stream.write_all(chunk).await?;
    }
    stream.write_all(&0u32.to_be_bytes()).await?;
    stream.flush().await
}

async fn read_reply<S>(stream: &mut S) -> std::io::Result<Vec<u8>>
where
    S: AsyncRead + Unpin,
{
    let mut reply = Vec::new();
    let mut buffer = [0u8; 256];
    loop {
        let read = stream.read(&mut buffer).await?;
        let Some(received) = buffer.get(..read).filter(|received| !received.is_empty()) else {
            return Ok(reply);
        };
        if let Some(end) = received.iter().position(|&byte| byte == 0) {
            reply.extend_from_slice(&received[..end]);
            return Ok(reply);
        }
        reply.extend_from_slice(received);
        if reply.len() > MAX_REPLY {
            return Ok(reply);
        }
    }
}

/// `stream: OK` or `stream: <signature> FOUND`; anything else (errors included) is no verdict.
fn parse_reply(reply: &[u8]) -> Option<Verdict> {
    let reply = std::str::from_utf8(reply).ok()?.trim_end();
    let said = reply.strip_prefix("stream: ")?;
    if said == "OK" {
        return Some(Verdict::Clean);
    }
    let signature = said.strip_suffix(" FOUND")?.trim();
    (!signature.is_empty()).then(|| Verdict::Infected {
        signature: signature.to_owned(),
    })
}

impl FromStr for ClamdAddress {
    type Err = ScanError;

    fn from_str(text: &str) -> Result<ClamdAddress, ScanError> {
        let text = text.trim();
        let invalid = || ScanError::InvalidAddress(text.to_owned());
        if let Some(path) = text.strip_prefix("unix:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            return if path.starts_with('/') {
                Ok(ClamdAddress::Unix(PathBuf::from(path)))
            } else {
                Err(invalid())
            };
        }
        if text.starts_with('/') {
            return Ok(ClamdAddress::Unix(PathBuf::from(text)));
        }
        let host_port = text.strip_prefix("tcp://").unwrap_or(text);
        let (host, port) = host_port.rsplit_once(':').ok_or_else(invalid)?;
        if host.is_empty() || port.parse::<u16>().is_err() {
            return Err(invalid());
        }
        Ok(ClamdAddress::Tcp(host_port.to_owned()))
    }
}

impl fmt::Display for ClamdAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClamdAddress::Tcp(address) => f.write_str(address),
            ClamdAddress::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn clamd_replies_are_read_strictly() {
        assert_eq!(parse_reply(b"stream: OK"), Some(Verdict::Clean));
        assert_eq!(parse_reply(b"stream: OK\n"), Some(Verdict::Clean));
        assert_eq!(
            parse_reply(b"stream: Win.Test.EICAR_HDB-1 FOUND"),
            Some(Verdict::Infected {
                signature: "Win.Test.EICAR_HDB-1".to_owned()
            })
        );
        for reply in [
            &b"INSTREAM size limit exceeded. ERROR"[..],
            b"stream: lstat() failed: No such file. ERROR",
            b"stream: FOUND",
            b"OK",
            b"",
            b"\xff\xfe",
        ] {
            assert_eq!(parse_reply(reply), None, "{reply:?}");
        }
    }

    #[test]
    fn addresses_are_tcp_or_unix_sockets() {
        let parse = |text: &str| text.parse::<ClamdAddress>();
        assert_eq!(
            parse("localhost:3310").unwrap(),
            ClamdAddress::Tcp("localhost:3310".to_owned())
        );
        assert_eq!(
            parse("tcp://127.0.0.1:3310").unwrap(),
            ClamdAddress::Tcp("127.0.0.1:3310".to_owned())
        );
        assert_eq!(
            parse("[::1]:3310").unwrap(),
            ClamdAddress::Tcp("[::1]:3310".to_owned())
        );
        assert_eq!(
            parse("/run/clamav/clamd.ctl").unwrap(),
            ClamdAddress::Unix("/run/clamav/clamd.ctl".into())
        );
        assert_eq!(
            parse("unix:///run/clamav/clamd.ctl").unwrap(),
            ClamdAddress::Unix("/run/clamav/clamd.ctl".into())
        );
        for text in [
            "",
            "localhost",
            "localhost:",
            ":3310",
            "localhost:99999",
            "unix:relative",
        ] {
            assert!(
                matches!(parse(text), Err(ScanError::InvalidAddress(_))),
                "{text:?}"
            );
        }
    }
}
