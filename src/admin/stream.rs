//! Response bodies the control plane streams instead of building in memory: a JSON document whose
//! array items are serialized one frame at a time (journal pages), and a file sent in chunks
//! (snapshot exports). Also reading an upload into a file with a byte cap.

use std::collections::VecDeque;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use hyper::body::{Body as _, Frame};
use serde::Serialize;
use tokio::io::{AsyncRead, ReadBuf};

/// Bytes per chunk of a streamed file.
const FILE_CHUNK: usize = 64 * 1024;

/// `{head}[item,item,…]{tail}`, one item serialized per frame.
pub struct JsonArray<T> {
    head: Option<String>,
    items: VecDeque<T>,
    first: bool,
    tail: Option<&'static str>,
}

impl<T: Serialize + Send + Unpin + 'static> JsonArray<T> {
    /// `head` is everything up to the array's `[` (exclusive); `tail` follows its `]`.
    pub fn body(head: String, items: Vec<T>, tail: &'static str) -> Body {
        Body::new(JsonArray { head: Some(format!("{head}[")), items: items.into(), first: true, tail: Some(tail) })
    }
}

impl<T: Serialize + Unpin> hyper::body::Body for JsonArray<T> {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Some(head) = this.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(head)))));
        }
        if let Some(item) = this.items.pop_front() {
            let mut out = if this.first { Vec::new() } else { vec![b','] };
            this.first = false;
            // Serializing plain data into a Vec cannot fail; an item that did would be skipped.
            if serde_json::to_writer(&mut out, &item).is_err() {
                out.clear();
            }
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))));
        }
        match this.tail.take() {
            Some(tail) => Poll::Ready(Some(Ok(Frame::data(Bytes::from(format!("]{tail}")))))),
            None => Poll::Ready(None),
        }
    }
}

/// A file sent in [`FILE_CHUNK`] chunks.
pub struct FileBody {
    file: tokio::fs::File,
    done: bool,
}

impl FileBody {
    pub fn body(file: tokio::fs::File) -> Body {
        Body::new(FileBody { file, done: false })
    }
}

impl hyper::body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let mut chunk = vec![0u8; FILE_CHUNK];
        let mut buf = ReadBuf::new(&mut chunk);
        match Pin::new(&mut this.file).poll_read(cx, &mut buf) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Ready(Ok(())) => {
                let n = buf.filled().len();
                if n == 0 {
                    this.done = true;
                    return Poll::Ready(None);
                }
                chunk.truncate(n);
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
            }
        }
    }
}

/// Why an upload was not stored.
#[derive(Debug)]
pub enum UploadError {
    TooLarge,
    /// No chunk arrived within the idle timeout.
    Slow,
    Io(String),
}

/// Writes a request body to `path` as it arrives, refusing it once it passes `max` bytes or when no
/// chunk arrives for `idle` (the partial file is removed). Returns the byte count and the first
/// bytes (up to 16).
pub async fn body_to_file(
    mut body: Body,
    path: &Path,
    max: u64,
    idle: std::time::Duration,
) -> Result<(u64, Vec<u8>), UploadError> {
    use std::io::Write;
    let mut file = std::fs::File::create(path).map_err(|e| UploadError::Io(e.to_string()))?;
    let mut written: u64 = 0;
    let mut head = Vec::new();
    let result = loop {
        let next = tokio::time::timeout(idle, std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)));
        let Ok(frame) = next.await else { break Err(UploadError::Slow) };
        let Some(frame) = frame else { break Ok(()) };
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => break Err(UploadError::Io(e.to_string())),
        };
        let Ok(data) = frame.into_data() else { continue };
        written += data.len() as u64;
        if written > max {
            break Err(UploadError::TooLarge);
        }
        if head.len() < 16 {
            head.extend(data.iter().take(16 - head.len()));
        }
        if let Err(e) = file.write_all(&data) {
            break Err(UploadError::Io(e.to_string()));
        }
    };
    let result = result.and_then(|()| file.sync_all().map_err(|e| UploadError::Io(e.to_string())));
    drop(file);
    match result {
        Ok(()) => Ok((written, head)),
        Err(err) => {
            let _ = std::fs::remove_file(path);
            Err(err)
        }
    }
}
