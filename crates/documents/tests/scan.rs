//! The virus-scanning hook against a small clamd written here: it really parses `INSTREAM`
//! (command, length-prefixed chunks, zero terminator) and answers as clamd does, `FOUND` for the
//! EICAR test string and `OK` otherwise. clamd itself cannot be installed here (it needs its
//! virus database from the internet).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{TempDir, fixture};
use kinlink_documents::{ClamdAddress, Refused, ScanError, Scanner, Verdict};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The EICAR anti-virus test file (eicar.org): harmless, and detected by every scanner. Built
/// from two halves so this source file is not itself flagged by a scanner.
fn eicar() -> String {
    [
        r"X5O!P%@AP[4\PZX54(P^)7CC)7}$",
        "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    ]
    .concat()
}

/// What the fake clamd received on one connection.
#[derive(Debug)]
struct Received {
    command: Vec<u8>,
    chunk_lengths: Vec<usize>,
    stream: Vec<u8>,
}

/// How the fake clamd behaves after reading the stream.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Answers as clamd would: FOUND for EICAR, OK otherwise.
    Clamd,
    /// Answers with clamd's error for a stream over its limit.
    OverLimit,
    /// Reads everything and never answers.
    Silent,
}

async fn serve_one<S>(mut socket: S, behaviour: Behaviour) -> Received
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut command = Vec::new();
    loop {
        let byte = socket.read_u8().await.unwrap();
        if byte == 0 {
            break;
        }
        command.push(byte);
    }
    let mut chunk_lengths = Vec::new();
    let mut stream = Vec::new();
    loop {
        let len = usize::try_from(socket.read_u32().await.unwrap()).unwrap();
        if len == 0 {
            break;
        }
        let mut chunk = vec![0; len];
        socket.read_exact(&mut chunk).await.unwrap();
        chunk_lengths.push(len);
        stream.extend_from_slice(&chunk);
    }
    let reply: &[u8] = match behaviour {
        Behaviour::Clamd if common::contains(&stream, &eicar()) => {
            b"stream: Eicar-Test-Signature FOUND\0"
        }
        Behaviour::Clamd => b"stream: OK\0",
        Behaviour::OverLimit => b"INSTREAM size limit exceeded. ERROR\0",
        Behaviour::Silent => {
            // Hold the connection open until the client gives up.
            let _ = socket.read_u8().await;
            b""
        }
    };
    socket.write_all(reply).await.unwrap();
    Received {
        command,
        chunk_lengths,
        stream,
    }
}

async fn fake_clamd(behaviour: Behaviour) -> (Scanner, JoinHandle<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        serve_one(socket, behaviour).await
    });
    (Scanner::clamd(&address).unwrap(), server)
}

#[tokio::test]
async fn a_clean_file_is_streamed_whole_in_chunks_and_passes() {
    let (scanner, server) = fake_clamd(Behaviour::Clamd).await;
    // Large enough to need several chunks.
    let mut report = fixture("report.pdf");
    report.resize(300 * 1024, b'\n');

    assert_eq!(scanner.scan(&report).await.unwrap(), Verdict::Clean);

    let received = server.await.unwrap();
    assert_eq!(received.command, b"zINSTREAM");
    assert_eq!(received.stream, report);
    assert!(
        received.chunk_lengths.len() > 1,
        "{:?}",
        received.chunk_lengths
    );
    assert!(received.chunk_lengths.iter().all(|&len| len <= 64 * 1024));
}

#[tokio::test]
async fn a_file_carrying_the_eicar_test_string_is_refused_as_infected() {
    let (scanner, server) = fake_clamd(Behaviour::Clamd).await;
    let mut upload = fixture("report.pdf");
    upload.extend_from_slice(eicar().as_bytes());

    let refused = scanner.check(&upload).await.unwrap_err();
    match &refused {
        Refused::Infected { signature } => assert_eq!(signature, "Eicar-Test-Signature"),
        other => panic!("{other:?}"),
    }
    assert_eq!(refused.code(), "infected");
    assert_eq!(refused.to_string(), "The file contains a virus");
    assert_eq!(server.await.unwrap().stream, upload);
}

#[tokio::test]
async fn a_clean_file_passes_the_check() {
    let (scanner, _server) = fake_clamd(Behaviour::Clamd).await;
    let verdict = scanner.check(&fixture("picture.png")).await.unwrap();
    assert_eq!(verdict, Verdict::Clean);
}

#[tokio::test]
async fn an_unreachable_scanner_refuses_the_upload() {
    // A port that was just free and that nothing listens on any more.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    drop(listener);
    let scanner = Scanner::clamd(&address).unwrap();

    let error = scanner.scan(b"anything").await.unwrap_err();
    assert!(matches!(error, ScanError::Unreachable { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("The virus scanner (clamd) at {address} cannot be reached")
    );

    let refused = scanner.check(b"anything").await.unwrap_err();
    assert!(matches!(refused, Refused::ScanFailed(_)), "{refused:?}");
    assert_eq!(refused.code(), "scan_failed");
    assert_eq!(
        refused.to_string(),
        "The file could not be checked for viruses, so it was not uploaded. Try again later"
    );
    // The cause is there for the log.
    let cause = std::error::Error::source(&refused).unwrap().to_string();
    assert!(cause.contains(&address), "{cause}");
}

#[tokio::test]
async fn a_scanner_that_does_not_answer_in_time_refuses_the_upload() {
    let (scanner, _server) = fake_clamd(Behaviour::Silent).await;
    let Scanner::Clamd { address, .. } = scanner else {
        unreachable!()
    };
    let scanner = Scanner::Clamd {
        address,
        timeout: Duration::from_millis(200),
    };
    let refused = scanner.check(b"anything").await.unwrap_err();
    match refused {
        Refused::ScanFailed(ScanError::TimedOut { .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_scanner_error_is_no_verdict_and_refuses_the_upload() {
    let (scanner, _server) = fake_clamd(Behaviour::OverLimit).await;
    let refused = scanner.check(b"anything").await.unwrap_err();
    match &refused {
        Refused::ScanFailed(ScanError::UnexpectedReply { reply, .. }) => {
            assert_eq!(reply, "INSTREAM size limit exceeded. ERROR");
        }
        other => panic!("{other:?}"),
    }
}

#[cfg(unix)]
#[tokio::test]
async fn clamd_can_be_reached_on_its_unix_socket() {
    let folder = TempDir::new();
    let socket_path = folder.path().join("clamd.ctl");
    let listener = tokio::net::UnixListener::bind(&socket_path).unwrap();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        serve_one(socket, Behaviour::Clamd).await
    });
    let scanner = Scanner::clamd(&format!("unix:{}", socket_path.display())).unwrap();
    assert!(matches!(
        &scanner,
        Scanner::Clamd {
            address: ClamdAddress::Unix(_),
            ..
        }
    ));

    let verdict = scanner.scan(eicar().as_bytes()).await.unwrap();
    assert_eq!(
        verdict,
        Verdict::Infected {
            signature: "Eicar-Test-Signature".to_owned()
        }
    );
    assert_eq!(server.await.unwrap().stream, eicar().as_bytes());
}

#[tokio::test]
async fn without_a_scanner_uploads_are_marked_not_scanned() {
    let verdict = Scanner::None.check(eicar().as_bytes()).await.unwrap();
    assert_eq!(verdict, Verdict::NotScanned);
}
