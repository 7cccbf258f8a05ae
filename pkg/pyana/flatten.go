package pyana

// Copying the tree node by node through go-tree-sitter costs several cgo
// calls per node, twice the parse itself. flatten walks the tree in C with
// one call and writes every node, in preorder with its depth, into a Go
// slice. It uses tree-sitter's stable C API (the runtime compiled into
// go-tree-sitter); the two structs below mirror TSNode and TSTreeCursor of
// tree_sitter/api.h, ABI version 15 (go-tree-sitter v0.25).

/*
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

typedef struct { uint32_t context[4]; const void *id; const void *tree; } pyana_ts_node;
typedef struct { const void *tree; const void *id; uint32_t context[3]; } pyana_ts_cursor;

extern pyana_ts_cursor ts_tree_cursor_new(pyana_ts_node);
extern void ts_tree_cursor_delete(pyana_ts_cursor *);
extern pyana_ts_node ts_tree_cursor_current_node(const pyana_ts_cursor *);
extern uint16_t ts_tree_cursor_current_field_id(const pyana_ts_cursor *);
extern bool ts_tree_cursor_goto_first_child(pyana_ts_cursor *);
extern bool ts_tree_cursor_goto_next_sibling(pyana_ts_cursor *);
extern bool ts_tree_cursor_goto_parent(pyana_ts_cursor *);
extern uint16_t ts_node_symbol(pyana_ts_node);
extern uint32_t ts_node_start_byte(pyana_ts_node);
extern uint32_t ts_node_end_byte(pyana_ts_node);
extern bool ts_node_is_missing(pyana_ts_node);

typedef struct {
	uint32_t start, end, depth;
	uint16_t symbol, field;
	uint8_t missing;
} pyana_flat;

// pyana_flatten writes up to cap nodes under root in preorder and returns
// how many it wrote.
static size_t pyana_flatten(const pyana_ts_node *root, pyana_flat *out, size_t cap) {
	pyana_ts_cursor c = ts_tree_cursor_new(*root);
	size_t n = 0;
	uint32_t depth = 0;
	while (n < cap) {
		pyana_ts_node node = ts_tree_cursor_current_node(&c);
		pyana_flat *f = &out[n++];
		f->start = ts_node_start_byte(node);
		f->end = ts_node_end_byte(node);
		f->depth = depth;
		f->symbol = ts_node_symbol(node);
		f->field = ts_tree_cursor_current_field_id(&c);
		f->missing = ts_node_is_missing(node);
		if (ts_tree_cursor_goto_first_child(&c)) {
			depth++;
			continue;
		}
		while (!ts_tree_cursor_goto_next_sibling(&c)) {
			if (depth == 0 || !ts_tree_cursor_goto_parent(&c)) {
				ts_tree_cursor_delete(&c);
				return n;
			}
			depth--;
		}
	}
	ts_tree_cursor_delete(&c);
	return n;
}
*/
import "C"

import (
	"unsafe"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// flatNode is one node as pyana_flatten writes it.
type flatNode = C.pyana_flat

// flatten returns the nodes of the tree under root in preorder.
func flatten(root *ts.Node) []flatNode {
	n := root.DescendantCount()
	if n == 0 {
		return nil
	}
	out := make([]flatNode, n)
	// ts.Node is a C-compatible wrapper around TSNode (see its doc); its
	// only field is the TSNode value.
	got := C.pyana_flatten((*C.pyana_ts_node)(unsafe.Pointer(root)), &out[0], C.size_t(n))
	return out[:got]
}
