//! The value codec's decoder (`docs/abi.md`, "Encoding") on arbitrary bytes:
//! it must never panic or allocate beyond what the bytes can hold, and what
//! it accepts must be canonical: encoding the decoded value gives back the
//! exact input bytes. Owned text is the exception: it is decoded lossily
//! (invalid UTF-8 becomes U+FFFD, "Text"), so for values holding `String`s
//! decode and encode must reach a fixed point instead. The first byte picks
//! the type; a last mode drives the `Reader` primitives directly.

#![no_main]

use gohost::__private::{decode_all, AbiError, Decode, Encode, Reader, Writer};
use libfuzzer_sys::fuzz_target;

/// Shaped like the records the macro generates (field by field, in order).
#[derive(Debug)]
struct Item<'a> {
    name: &'a str,
    data: Vec<u8>,
    tags: Vec<String>,
    size: Option<u32>,
    ok: bool,
    ratio: f64,
    load: f32,
    version: i64,
    shape: Shape,
}

/// Shaped like a generated enum: u32 variant index, then the fields.
#[derive(Debug)]
enum Shape {
    Circle { radius: f64 },
    Rect(f32, f32),
    Empty,
    Named(Option<String>),
}

impl Encode for Item<'_> {
    fn encode(&self, w: &mut Writer) {
        self.name.encode(w);
        self.data.encode(w);
        self.tags.encode(w);
        self.size.encode(w);
        self.ok.encode(w);
        self.ratio.encode(w);
        self.load.encode(w);
        self.version.encode(w);
        self.shape.encode(w);
    }
}

impl<'r> Decode<'r> for Item<'r> {
    const MIN_SIZE: usize = 4 + 4 + 4 + 1 + 1 + 8 + 4 + 8 + 4;
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError> {
        Ok(Item {
            name: Decode::decode(r)?,
            data: Decode::decode(r)?,
            tags: Decode::decode(r)?,
            size: Decode::decode(r)?,
            ok: Decode::decode(r)?,
            ratio: Decode::decode(r)?,
            load: Decode::decode(r)?,
            version: Decode::decode(r)?,
            shape: Decode::decode(r)?,
        })
    }
}

impl Encode for Shape {
    fn encode(&self, w: &mut Writer) {
        match self {
            Shape::Circle { radius } => {
                w.u32(0);
                radius.encode(w);
            }
            Shape::Rect(a, b) => {
                w.u32(1);
                a.encode(w);
                b.encode(w);
            }
            Shape::Empty => w.u32(2),
            Shape::Named(n) => {
                w.u32(3);
                n.encode(w);
            }
        }
    }
}

impl<'r> Decode<'r> for Shape {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'r>) -> Result<Self, AbiError> {
        match r.u32()? {
            0 => Ok(Shape::Circle {
                radius: Decode::decode(r)?,
            }),
            1 => Ok(Shape::Rect(Decode::decode(r)?, Decode::decode(r)?)),
            2 => Ok(Shape::Empty),
            3 => Ok(Shape::Named(Decode::decode(r)?)),
            n => Err(AbiError::new(format!(
                "malformed value: enum Shape has no variant {n}"
            ))),
        }
    }
}

/// Decodes `bytes` as a `T`; if that works, the encoding is the input.
fn canonical<'a, T: Decode<'a> + Encode>(bytes: &'a [u8]) {
    if let Ok(v) = decode_all::<T>(bytes) {
        let mut w = Writer::new();
        v.encode(&mut w);
        assert_eq!(w.as_bytes(), bytes, "decode then encode changed the bytes");
    }
}

/// Decodes `bytes` as a `$t`; if that works, encoding the value gives
/// bytes that decode to a value with the same encoding (a fixed point):
/// what lossy text decoding changed, it changes only once.
macro_rules! stable {
    ($t:ty, $bytes:expr) => {{
        if let Ok(v) = decode_all::<$t>($bytes) {
            let mut w = Writer::new();
            v.encode(&mut w);
            let first = w.as_bytes().to_vec();
            let again = decode_all::<$t>(&first).expect("an encoding decodes");
            let mut w = Writer::new();
            again.encode(&mut w);
            assert_eq!(
                w.as_bytes(),
                &first[..],
                "decode and encode are not a fixed point"
            );
        }
    }};
}

/// Drives the reader's primitives in the order the bytes say; checks that
/// it only ever moves forward and fails cleanly.
fn reader_ops(bytes: &[u8]) {
    let mut r = Reader::new(bytes);
    let mut left = r.remaining();
    loop {
        let Ok(op) = r.u8() else { break };
        let read = match op % 6 {
            0 => r.u8().is_ok(),
            1 => r.u32().is_ok(),
            2 => r.u64().is_ok(),
            3 => r.bytes().is_ok(),
            4 => {
                let min = usize::from(op / 6);
                match r.count(min) {
                    Ok(n) => {
                        assert!(
                            n.saturating_mul(min.max(1)) <= r.remaining(),
                            "count accepted {n} elements of {min} bytes with {} bytes left",
                            r.remaining()
                        );
                        true
                    }
                    Err(_) => false,
                }
            }
            _ => {
                assert_eq!(
                    r.finish().is_ok(),
                    r.remaining() == 0,
                    "finish disagrees with remaining"
                );
                true
            }
        };
        assert!(r.remaining() < left, "the reader did not move forward");
        left = r.remaining();
        if !read {
            break;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match which % 12 {
        0 => canonical::<&str>(bytes),
        1 => stable!(String, bytes),
        2 => canonical::<&[u8]>(bytes),
        3 => stable!(Vec<String>, bytes),
        4 => stable!(Option<Vec<Option<String>>>, bytes),
        5 => canonical::<Vec<Vec<i32>>>(bytes),
        6 => canonical::<Vec<bool>>(bytes),
        7 => stable!(Item<'_>, bytes),
        8 => stable!(Vec<Item<'_>>, bytes),
        9 => stable!(Option<Shape>, bytes),
        10 => canonical::<Vec<f64>>(bytes),
        _ => reader_ops(bytes),
    }
});
