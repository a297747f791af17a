//! Snapshots of the generated code, one per type and per operation, so that a spec change shows
//! up as a small, named diff (`cargo insta review`) rather than a change somewhere in 4000 lines.

use std::collections::BTreeMap;

use quote::ToTokens;
use xtask::regen::{SPEC, generate_from, workspace_root};

/// Groups the items of the generated file by what they belong to: a type with its impls, or one
/// operation's client method.
fn group_items(items: Vec<syn::Item>, prefix: &str, groups: &mut BTreeMap<String, Vec<syn::Item>>) {
    for item in items {
        let key = match &item {
            syn::Item::Mod(module) => {
                if let Some((_, inner)) = module.content.clone() {
                    let name = format!("{prefix}{}__", module.ident);
                    group_items(inner, &name, groups);
                }
                continue;
            }
            syn::Item::Struct(s) => s.ident.to_string(),
            syn::Item::Enum(e) => e.ident.to_string(),
            syn::Item::Impl(block) => {
                let self_type = type_name(&block.self_ty);
                if self_type == "Client" && block.trait_.is_none() {
                    split_client_methods(block, prefix, groups);
                    continue;
                }
                self_type
            }
            _ => "other_items".to_owned(),
        };
        groups
            .entry(format!("{prefix}{key}"))
            .or_default()
            .push(item);
    }
}

/// The last path segment of a type, through references (`&Client` is `Client`).
fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map_or_else(String::new, |s| s.ident.to_string()),
        syn::Type::Reference(reference) => type_name(&reference.elem),
        other => other.to_token_stream().to_string().replace(' ', ""),
    }
}

fn split_client_methods(
    block: &syn::ItemImpl,
    prefix: &str,
    groups: &mut BTreeMap<String, Vec<syn::Item>>,
) {
    for member in &block.items {
        let name = match member {
            syn::ImplItem::Fn(method) => method.sig.ident.to_string(),
            _ => "other_items".to_owned(),
        };
        let mut single = block.clone();
        single.items = vec![member.clone()];
        groups
            .entry(format!("{prefix}Client__{name}"))
            .or_default()
            .push(syn::Item::Impl(single));
    }
}

#[test]
fn generated_code_snapshots() {
    let code = generate_from(&workspace_root().join(SPEC)).expect("the spec generates");
    let file = syn::parse_file(&code).expect("generated code parses");
    let mut groups = BTreeMap::new();
    group_items(file.items, "", &mut groups);
    assert!(
        groups.len() > 20,
        "expected many groups, got {}",
        groups.len()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, items) in groups {
            let text = prettyplease::unparse(&syn::File {
                shebang: None,
                attrs: Vec::new(),
                items,
            });
            insta::assert_snapshot!(name, text);
        }
    });
}
