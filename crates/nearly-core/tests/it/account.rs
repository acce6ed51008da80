use nearly_core::{AccountId, ValidationError};
use proptest::prelude::*;

use crate::strategies::account_id_string;

proptest! {
    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = AccountId::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_near_misses(s in "[a-zA-Z0-9._ -]{0,70}") {
        if let Ok(id) = AccountId::parse(&s) {
            prop_assert_eq!(id.as_str(), s.as_str());
        }
    }

    #[test]
    fn accepts_every_generated_valid_id(s in account_id_string()) {
        let id = AccountId::parse(&s).unwrap();
        prop_assert_eq!(id.as_str(), s.as_str());
        prop_assert_eq!(&s.parse::<AccountId>().unwrap(), &id);
        prop_assert_eq!(AccountId::try_from(s.clone()).unwrap(), id.clone());
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(serde_json::from_str::<AccountId>(&json).unwrap(), id);
    }

    #[test]
    fn uppercasing_a_letter_invalidates(s in "[a-z]{1,10}\\.[a-z0-9]{1,10}") {
        let upper = s.to_uppercase();
        prop_assert!(
            matches!(AccountId::parse(&upper), Err(ValidationError::AccountIdInvalidChar { .. })),
            "upper-cased id accepted"
        );
    }

    #[test]
    fn implicit_iff_64_lowercase_hex(bytes in prop::array::uniform32(any::<u8>())) {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        prop_assert!(AccountId::parse(&hex).unwrap().is_implicit());
    }
}
