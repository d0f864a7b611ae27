//! The masking of personal data a deployment chooses: whether vehicle
//! plates count as personal data, and which phone numbers are public.

use clap::Args;
use sinmungo_core::domain::masking::{Masking, PublicNumbers};

/// Masking of personal data in what leaves for the public.
#[derive(Debug, Clone, Args)]
pub struct MaskingConfig {
    /// Mask vehicle plates (12가3456, 서울12가3456) in public text: a policy choice, off by default.
    #[arg(
        long = "mask-vehicle-plates",
        env = "SINMUNGO_MASK_VEHICLE_PLATES",
        default_value_t = false,
        action = clap::ArgAction::Set
    )]
    pub vehicle_plates: bool,

    /// Phone numbers left unmasked, comma-separated, x for any digit (e.g. add 063-222-xxxx for the city's offices); empty: none.
    #[arg(
        long = "public-phone-numbers",
        env = "SINMUNGO_PUBLIC_PHONE_NUMBERS",
        default_value = PublicNumbers::DEFAULT,
        value_parser = parse_public_numbers
    )]
    pub public_numbers: PublicNumbers,
}

fn parse_public_numbers(list: &str) -> Result<PublicNumbers, String> {
    list.parse()
        .map_err(|e: sinmungo_core::domain::masking::BadPublicNumbers| e.to_string())
}

impl Default for MaskingConfig {
    /// Plates kept, the default public numbers.
    fn default() -> Self {
        Self {
            vehicle_plates: false,
            public_numbers: PublicNumbers::default(),
        }
    }
}

impl MaskingConfig {
    /// The masking the use cases apply.
    pub fn masking(&self) -> Masking {
        Masking::new(self.vehicle_plates, self.public_numbers.clone())
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        masking: MaskingConfig,
    }

    #[test]
    fn plates_are_kept_and_public_numbers_are_the_defaults_unless_set() {
        let defaults = Cli::try_parse_from(["x"]).unwrap().masking.masking();
        assert_eq!(defaults, Masking::default());
        assert_eq!(defaults.mask("12가3456 120"), "12가3456 120");

        let city = Cli::try_parse_from([
            "x",
            "--mask-vehicle-plates",
            "true",
            "--public-phone-numbers",
            "063-222-xxxx",
        ])
        .unwrap()
        .masking
        .masking();
        assert_eq!(
            city.mask("12가3456, 063-222-1234, 063-223-1234"),
            "[차량번호 비공개], 063-222-1234, [전화번호 비공개]"
        );
        let refused = Cli::try_parse_from(["x", "--public-phone-numbers", "063-222-12a4"]);
        assert!(refused.is_err(), "{refused:?}");
    }
}
