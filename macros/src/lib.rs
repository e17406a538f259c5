//! placeholder
use proc_macro::TokenStream;
/// placeholder
#[proc_macro_attribute]
pub fn host_module(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
