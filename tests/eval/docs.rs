//! The generated blocks of the docs: `eval --readme` replaces what lies between a block's
//! markers and nothing else.

use connective::eval::docs::{replace_block, write_blocks};

#[test]
fn a_block_is_replaced_between_its_markers_and_the_rest_stays() {
    let text = "intro\n<!-- connective:results:paper -->\nold\ntable\n<!-- /connective:results:paper -->\noutro\n";
    let new = replace_block(text, "paper", "| new |\n\n").unwrap();
    assert_eq!(new, "intro\n<!-- connective:results:paper -->\n| new |\n<!-- /connective:results:paper -->\noutro\n");
    // Replacing again with the same body changes nothing.
    assert_eq!(replace_block(&new, "paper", "| new |").unwrap(), new);
    // Another protocol's block, or an unclosed one, is not this block.
    assert_eq!(replace_block(text, "one-class", "x"), None);
    assert_eq!(replace_block("<!-- connective:results:paper -->\nopen\n", "paper", "x"), None);
    // A name that begins like another one does not match it.
    assert_eq!(replace_block("<!-- connective:results:caltech-classes -->\n<!-- /connective:results:caltech-classes -->\n", "caltech", "x"), None);
    // Every block of that name in a file gets the table.
    let twice = format!("{text}{text}");
    assert_eq!(replace_block(&twice, "paper", "| new |").unwrap(), format!("{new}{new}"));
}

#[test]
fn every_file_needs_the_block_or_none_is_written() {
    let dir = std::env::temp_dir().join(format!("connective-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let block = "<!-- connective:results:penned -->\n<!-- /connective:results:penned -->\n";
    let (a, b, bare) = (dir.join("README.md"), dir.join("results.md"), dir.join("bare.md"));
    std::fs::write(&a, format!("# a\n{block}")).unwrap();
    std::fs::write(&b, block).unwrap();
    std::fs::write(&bare, "nothing\n").unwrap();
    let err = write_blocks(&[a.clone(), bare.clone()], "penned", "| t |").unwrap_err().to_string();
    assert!(err.contains("bare.md") && err.contains("has no <!-- connective:results:penned --> … <!-- /connective:results:penned --> block"), "{err}");
    assert_eq!(std::fs::read_to_string(&a).unwrap(), format!("# a\n{block}"), "written although another file had no block");
    write_blocks(&[a.clone(), b.clone()], "penned", "| t |").unwrap();
    let filled = "<!-- connective:results:penned -->\n| t |\n<!-- /connective:results:penned -->\n";
    assert_eq!(std::fs::read_to_string(&a).unwrap(), format!("# a\n{filled}"));
    assert_eq!(std::fs::read_to_string(&b).unwrap(), filled);
    // No file at all is fine: nothing to write.
    write_blocks(&[], "penned", "| t |").unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
