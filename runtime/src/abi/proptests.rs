//! Property tests of the codec: every value the host encodes decodes back
//! to itself, through nested records, enums, options and lists, and every
//! strict prefix of an encoding is rejected (nothing decodes from too few
//! bytes, nothing is left over).

use proptest::prelude::*;

use super::codec::{decode_all, Decode, Encode, Reader};
use super::writer::Writer;
use super::AbiError;

/// An enum shaped like the generated ones: u32 variant index, then fields.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Circle { radius: f64 },
    Rect(f32, f32),
    Empty,
    Tagged(Option<String>),
}

impl Encode for Shape {
    fn encode(&self, w: &mut Writer<'_>) {
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
            Shape::Tagged(t) => {
                w.u32(3);
                t.encode(w);
            }
        }
    }
}

impl Decode<'_> for Shape {
    const MIN_SIZE: usize = 4;
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        match r.u32()? {
            0 => Ok(Shape::Circle {
                radius: Decode::decode(r)?,
            }),
            1 => Ok(Shape::Rect(Decode::decode(r)?, Decode::decode(r)?)),
            2 => Ok(Shape::Empty),
            3 => Ok(Shape::Tagged(Decode::decode(r)?)),
            n => Err(AbiError::new(format!("no variant {n}"))),
        }
    }
}

/// A record shaped like the generated ones, nesting everything.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    key: String,
    value: Vec<u8>,
    version: u64,
    delta: i64,
    count: u32,
    small: i32,
    ok: bool,
    tags: Vec<String>,
    expires: Option<i64>,
    shapes: Vec<Option<Shape>>,
    grid: Vec<Vec<i32>>,
    children: Vec<Leaf>,
}

#[derive(Debug, Clone, PartialEq)]
struct Leaf {
    name: String,
    shape: Shape,
}

impl Encode for Leaf {
    fn encode(&self, w: &mut Writer<'_>) {
        self.name.encode(w);
        self.shape.encode(w);
    }
}

impl Decode<'_> for Leaf {
    const MIN_SIZE: usize = 8;
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        Ok(Leaf {
            name: Decode::decode(r)?,
            shape: Decode::decode(r)?,
        })
    }
}

impl Encode for Entry {
    fn encode(&self, w: &mut Writer<'_>) {
        self.key.encode(w);
        self.value.encode(w);
        self.version.encode(w);
        self.delta.encode(w);
        self.count.encode(w);
        self.small.encode(w);
        self.ok.encode(w);
        self.tags.encode(w);
        self.expires.encode(w);
        self.shapes.encode(w);
        self.grid.encode(w);
        self.children.encode(w);
    }
}

impl Decode<'_> for Entry {
    const MIN_SIZE: usize = 4 + 4 + 8 + 8 + 4 + 4 + 1 + 4 + 1 + 4 + 4 + 4;
    fn decode(r: &mut Reader<'_>) -> Result<Self, AbiError> {
        Ok(Entry {
            key: Decode::decode(r)?,
            value: Decode::decode(r)?,
            version: Decode::decode(r)?,
            delta: Decode::decode(r)?,
            count: Decode::decode(r)?,
            small: Decode::decode(r)?,
            ok: Decode::decode(r)?,
            tags: Decode::decode(r)?,
            expires: Decode::decode(r)?,
            shapes: Decode::decode(r)?,
            grid: Decode::decode(r)?,
            children: Decode::decode(r)?,
        })
    }
}

/// Floats compared by bits, so NaN payloads must survive too.
fn same_bits(a: &Shape, b: &Shape) -> bool {
    match (a, b) {
        (Shape::Circle { radius: x }, Shape::Circle { radius: y }) => x.to_bits() == y.to_bits(),
        (Shape::Rect(a1, a2), Shape::Rect(b1, b2)) => {
            a1.to_bits() == b1.to_bits() && a2.to_bits() == b2.to_bits()
        }
        _ => a == b,
    }
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        any::<u64>().prop_map(|b| Shape::Circle {
            radius: f64::from_bits(b)
        }),
        (any::<u32>(), any::<u32>())
            .prop_map(|(a, b)| Shape::Rect(f32::from_bits(a), f32::from_bits(b))),
        Just(Shape::Empty),
        proptest::option::of(".{0,8}").prop_map(Shape::Tagged),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        (".{0,16}", proptest::collection::vec(any::<u8>(), 0..32)),
        (
            any::<u64>(),
            any::<i64>(),
            any::<u32>(),
            any::<i32>(),
            any::<bool>(),
        ),
        proptest::collection::vec("\\PC{0,6}", 0..4),
        proptest::option::of(any::<i64>()),
        proptest::collection::vec(proptest::option::of(shape()), 0..4),
        proptest::collection::vec(proptest::collection::vec(any::<i32>(), 0..4), 0..4),
        proptest::collection::vec(
            (".{0,4}", shape()).prop_map(|(name, shape)| Leaf { name, shape }),
            0..3,
        ),
    )
        .prop_map(
            |(
                (key, value),
                (version, delta, count, small, ok),
                tags,
                expires,
                shapes,
                grid,
                children,
            )| Entry {
                key,
                value,
                version,
                delta,
                count,
                small,
                ok,
                tags,
                expires,
                shapes,
                grid,
                children,
            },
        )
}

fn encode<T: Encode + ?Sized>(v: &T) -> Vec<u8> {
    let mut w = Writer::new();
    v.encode(&mut w);
    w.into_bytes()
}

proptest! {
    #[test]
    fn nested_records_round_trip(entries in proptest::collection::vec(entry(), 0..4)) {
        let bytes = encode(&entries);
        let back: Vec<Entry> = decode_all(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back.len(), entries.len());
        for (a, b) in back.iter().zip(&entries) {
            let (a_shapes, b_shapes) = (&a.shapes, &b.shapes);
            prop_assert_eq!(a_shapes.len(), b_shapes.len());
            for (x, y) in a_shapes.iter().zip(b_shapes) {
                match (x, y) {
                    (Some(x), Some(y)) => prop_assert!(same_bits(x, y), "{:?} != {:?}", x, y),
                    (None, None) => {}
                    _ => prop_assert!(false, "{:?} != {:?}", x, y),
                }
            }
            prop_assert_eq!(&a.key, &b.key);
            prop_assert_eq!(&a.value, &b.value);
            prop_assert_eq!(&a.tags, &b.tags);
            prop_assert_eq!(&a.grid, &b.grid);
            prop_assert_eq!((a.version, a.delta, a.count, a.small, a.ok, a.expires),
                            (b.version, b.delta, b.count, b.small, b.ok, b.expires));
            prop_assert_eq!(a.children.len(), b.children.len());
            for (x, y) in a.children.iter().zip(&b.children) {
                prop_assert_eq!(&x.name, &y.name);
                prop_assert!(same_bits(&x.shape, &y.shape));
            }
        }
        // Re-encoding gives the same bytes: the encoding is canonical.
        prop_assert_eq!(encode(&back), bytes);
    }

    /// Text decodes as `String::from_utf8_lossy` decodes it, for any
    /// bytes: valid UTF-8 unchanged, each invalid sequence one U+FFFD.
    #[test]
    fn text_decodes_as_from_utf8_lossy(bytes in proptest::collection::vec(any::<u8>(), 0..48), text in "\\PC{0,16}") {
        for b in [&bytes[..], text.as_bytes()] {
            let expected = String::from_utf8_lossy(b);
            prop_assert_eq!(&super::text::lossy_text(b), &expected);
            let mut w = Writer::new();
            w.bytes(b);
            let bytes_on_wire = w.into_bytes();
            prop_assert_eq!(decode_all::<String>(&bytes_on_wire), Ok(expected.into_owned()));
        }
    }

    #[test]
    fn borrowed_views_round_trip(text in "\\PC{0,32}", data in proptest::collection::vec(any::<u8>(), 0..64)) {
        let bytes = encode(&text);
        prop_assert_eq!(decode_all::<&str>(&bytes).ok(), Some(text.as_str()));
        let bytes = encode(&data);
        prop_assert_eq!(decode_all::<&[u8]>(&bytes).ok(), Some(data.as_slice()));
    }

    #[test]
    fn every_strict_prefix_and_any_suffix_is_rejected(e in entry(), extra in proptest::collection::vec(any::<u8>(), 1..4)) {
        let bytes = encode(&e);
        for cut in 0..bytes.len() {
            prop_assert!(decode_all::<Entry>(&bytes[..cut]).is_err(), "prefix of {} bytes decoded", cut);
        }
        let mut longer = bytes.clone();
        longer.extend(&extra);
        let err = decode_all::<Entry>(&longer).err().map(|e| e.to_string());
        let want = format!("malformed value: {} trailing bytes after offset {}", extra.len(), bytes.len());
        prop_assert_eq!(err.as_deref(), Some(want.as_str()));
    }

    #[test]
    fn scalars_round_trip(a in any::<u32>(), b in any::<i64>(), c in any::<u64>(), d in any::<i32>(),
                          f in any::<u32>(), g in any::<u64>(), flag in any::<bool>(), opt in proptest::option::of(any::<u64>())) {
        prop_assert_eq!(decode_all::<u32>(&encode(&a)).ok(), Some(a));
        prop_assert_eq!(decode_all::<i64>(&encode(&b)).ok(), Some(b));
        prop_assert_eq!(decode_all::<u64>(&encode(&c)).ok(), Some(c));
        prop_assert_eq!(decode_all::<i32>(&encode(&d)).ok(), Some(d));
        let f = f32::from_bits(f);
        prop_assert_eq!(decode_all::<f32>(&encode(&f)).ok().map(f32::to_bits), Some(f.to_bits()));
        let g = f64::from_bits(g);
        prop_assert_eq!(decode_all::<f64>(&encode(&g)).ok().map(f64::to_bits), Some(g.to_bits()));
        prop_assert_eq!(decode_all::<bool>(&encode(&flag)).ok(), Some(flag));
        prop_assert_eq!(decode_all::<Option<u64>>(&encode(&opt)).ok(), Some(opt));
    }

    #[test]
    fn new_scalars_arrays_and_maps_round_trip(
        small in (any::<u8>(), any::<i8>(), any::<u16>(), any::<i16>()),
        sizes in (any::<usize>(), any::<isize>()),
        c in any::<char>(),
        hash in any::<[u8; 32]>(),
        grid in any::<[[i16; 3]; 2]>(),
        names in any::<[Option<String>; 3]>(),
        map in proptest::collection::hash_map(any::<u16>(), ".{0,8}", 0..8),
        tree in proptest::collection::btree_map(".{0,8}", proptest::collection::vec(any::<char>(), 0..4), 0..8),
    ) {
        prop_assert_eq!(encode(&small.0), vec![small.0]);
        prop_assert_eq!(decode_all::<u8>(&encode(&small.0)).ok(), Some(small.0));
        let bytes = encode(&small.3);
        prop_assert_eq!(bytes.len(), 2);
        prop_assert_eq!(decode_all::<i16>(&bytes).ok(), Some(small.3));
        prop_assert_eq!(decode_all::<i8>(&encode(&small.1)).ok(), Some(small.1));
        prop_assert_eq!(decode_all::<u16>(&encode(&small.2)).ok(), Some(small.2));
        prop_assert_eq!(decode_all::<usize>(&encode(&sizes.0)).ok(), Some(sizes.0));
        prop_assert_eq!(decode_all::<isize>(&encode(&sizes.1)).ok(), Some(sizes.1));
        prop_assert_eq!(decode_all::<char>(&encode(&c)).ok(), Some(c));
        let bytes = encode(&hash);
        prop_assert_eq!(&bytes[..], &hash[..], "no count before an array");
        prop_assert_eq!(decode_all::<[u8; 32]>(&bytes).ok(), Some(hash));
        prop_assert_eq!(decode_all::<[[i16; 3]; 2]>(&encode(&grid)).ok(), Some(grid));
        prop_assert_eq!(decode_all::<[Option<String>; 3]>(&encode(&names)).ok(), Some(names.clone()));
        let bytes = encode(&map);
        prop_assert_eq!(decode_all::<std::collections::HashMap<u16, String>>(&bytes).ok(), Some(map));
        let bytes = encode(&tree);
        prop_assert_eq!(decode_all::<std::collections::BTreeMap<String, Vec<char>>>(&bytes).ok(), Some(tree.clone()));
        for cut in 0..bytes.len() {
            prop_assert!(decode_all::<std::collections::BTreeMap<String, Vec<char>>>(&bytes[..cut]).is_err());
        }
    }
}

#[test]
fn duplicate_map_keys_and_invalid_chars_are_refused() {
    // Two pairs with key 7.
    let mut w = Writer::new();
    w.u32(2);
    for v in [1_u32, 2] {
        w.u32(7);
        w.u32(v);
    }
    let bytes = w.into_bytes();
    let want = "malformed value: the map key at offset 12 repeats an earlier key";
    let err = decode_all::<std::collections::HashMap<u32, u32>>(&bytes).err();
    assert_eq!(err.map(|e| e.to_string()).as_deref(), Some(want));
    let err = decode_all::<std::collections::BTreeMap<u32, u32>>(&bytes).err();
    assert_eq!(err.map(|e| e.to_string()).as_deref(), Some(want));
    let err = decode_all::<char>(&0xdfff_u32.to_le_bytes()).err();
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("malformed value: 0xdfff is not a Unicode scalar value (a char)")
    );
    let err = decode_all::<[char; 2]>(&[0x61, 0, 0, 0, 0, 0, 0x11, 0]).err();
    assert!(err.is_some(), "0x110000 is past the last scalar value");
}
