//! `wire_enum!`: a closed set of wire strings as a Rust enum, written once. Each enum gets
//! `parse(&str) -> Option<Self>`, `as_str()`, `ALL` (in declaration order, which is the order
//! error messages list the valid values in), `Display`, and serde as the same strings, so a field
//! that used to be a `String` keeps its exact JSON representation in stored specs.

/// The methods every `wire_enum!` type has, for code generic over them (parameter readers).
pub trait WireEnum: Copy + PartialEq + 'static {
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    fn parse(text: &str) -> Option<Self>;
    fn as_str(self) -> &'static str;
}

/// The value of `text` when it is one of `allowed` (exact match).
pub fn parse_in<E: WireEnum>(text: &str, allowed: &[E]) -> Option<E> {
    E::parse(text).filter(|value| allowed.contains(value))
}

/// `allowed` as the comma-separated list error messages show.
pub fn join<E: WireEnum>(allowed: &[E]) -> String {
    allowed.iter().map(|value| value.as_str()).collect::<Vec<_>>().join(", ")
}

/// Declares `enum Name { Variant => "wire text", … }` with [`WireEnum`], `Display` and serde.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value of its exact wire text.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The exact wire text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl $crate::domain::wire_enum::WireEnum for $name {
            const ALL: &'static [Self] = $name::ALL;
            fn parse(text: &str) -> Option<Self> {
                $name::parse(text)
            }
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                $name::parse(&text).ok_or_else(|| ::serde::de::Error::unknown_variant(&text, &[$($text),+]))
            }
        }
    };
}

pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    wire_enum! {
        /// A test enum.
        enum Sample { One => "one", Two => "TWO" }
    }

    #[test]
    fn parse_as_str_and_serde_agree() {
        for value in Sample::ALL {
            assert_eq!(Sample::parse(value.as_str()), Some(*value));
            let json = serde_json::to_string(value).unwrap_or_default();
            assert_eq!(json, format!("\"{value}\""));
            assert_eq!(serde_json::from_str::<Sample>(&json).ok(), Some(*value));
        }
        assert_eq!(Sample::parse("two"), None);
        assert!(serde_json::from_str::<Sample>("\"three\"").is_err());
    }
}
