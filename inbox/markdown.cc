#include "inbox/markdown.h"

#include <cmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "base/text.h"

namespace loa {

namespace {

// CMARK_OPT_SAFE is cmark's default since 0.29 and is named for clarity;
// CMARK_OPT_UNSAFE is never set. Invalid UTF-8 is replaced, not passed on.
constexpr int kOptions = CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8;

// The plain-text renderer below follows the tree recursively, one call per
// level of nesting (blocks and inlines alike), and indents every level of a
// list. Articles nest 3 or 4 deep; a hostile body of 1 MB nests 100,000
// deep (">>>>…", "- - - …", "****…") and would overflow the stack. Content
// nested deeper than this is rendered by FlatText instead: its words in
// order, without structure, in one loop.
constexpr int kMaxTextNesting = 16;

struct NodeDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
using Document = std::unique_ptr<cmark_node, NodeDeleter>;

Document Parse(std::string_view markdown) {
  return Document(cmark_parse_document(markdown.data(), markdown.size(), kOptions));
}

// Removes raw HTML blocks and inline tags from the tree, so that nothing of
// them (not even cmark's "raw HTML omitted" placeholder) reaches a channel.
// Text between inline tags is ordinary text and stays.
void DropRawHtml(cmark_node* root) {
  std::vector<cmark_node*> doomed;
  cmark_iter* iter = cmark_iter_new(root);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
    cmark_node* node = cmark_iter_get_node(iter);
    auto type = cmark_node_get_type(node);
    if (ev == CMARK_EVENT_ENTER &&
        (type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_HTML_INLINE)) {
      doomed.push_back(node);
    }
  }
  cmark_iter_free(iter);
  for (cmark_node* node : doomed) cmark_node_free(node);  // also unlinks it
}

std::string Literal(cmark_node* node) {
  const char* s = cmark_node_get_literal(node);
  return s ? s : "";
}

std::string LowerAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The same rule cmark's safe HTML renderer applies to link targets.
bool IsSafeUrl(const std::string& url) {
  std::string u = LowerAscii(url);
  auto starts = [&](const char* prefix) { return u.rfind(prefix, 0) == 0; };
  if (starts("data:")) {
    return starts("data:image/png") || starts("data:image/gif") || starts("data:image/jpeg") ||
           starts("data:image/webp");
  }
  return !(starts("javascript:") || starts("vbscript:") || starts("file:"));
}

// The text under `node` without its structure (no list markers, link targets
// or indentation), walked with cmark's iterator rather than recursion.
std::string FlatText(cmark_node* node) {
  std::string out;
  cmark_iter* iter = cmark_iter_new(node);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
    cmark_node* n = cmark_iter_get_node(iter);
    cmark_node_type type = cmark_node_get_type(n);
    // Leaves (text, code, breaks) have only an enter event.
    if (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE || type == CMARK_NODE_CODE_BLOCK) {
      out += Literal(n);
    }
    bool line_ends =
        type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK ||
        type == CMARK_NODE_CODE_BLOCK ||
        (ev == CMARK_EVENT_EXIT && (type == CMARK_NODE_PARAGRAPH || type == CMARK_NODE_HEADING));
    if (line_ends && !out.empty() && out.back() != '\n') out += '\n';
  }
  cmark_iter_free(iter);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string InlineText(cmark_node* parent, int depth);

std::string InlineNodeText(cmark_node* node, int depth) {
  if (depth > kMaxTextNesting) return FlatText(node);
  switch (cmark_node_get_type(node)) {
    case CMARK_NODE_TEXT:
    case CMARK_NODE_CODE:
      return Literal(node);
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK:
      return "\n";
    case CMARK_NODE_EMPH:
    case CMARK_NODE_STRONG:
      return InlineText(node, depth);
    case CMARK_NODE_LINK:
    case CMARK_NODE_IMAGE: {
      std::string text = InlineText(node, depth);
      const char* raw_url = cmark_node_get_url(node);
      std::string url = raw_url ? raw_url : "";
      if (url.empty() || !IsSafeUrl(url)) return text;
      if (text.empty() || text == url || "mailto:" + text == url) return text.empty() ? url : text;
      return text + " (" + url + ")";
    }
    default:  // raw HTML was removed; custom inlines carry no text
      return "";
  }
}

// `depth` counts the levels of nesting around `parent`'s children.
std::string InlineText(cmark_node* parent, int depth) {
  std::string out;
  for (cmark_node* n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) {
    out += InlineNodeText(n, depth + 1);
  }
  return out;
}

void BlockTexts(cmark_node* parent, int depth, std::vector<std::string>& out);

// Indents every line after the first, so a list item's continuation lines
// line up under its text.
std::string IndentContinuation(const std::string& text, size_t width) {
  std::string out;
  std::string pad(width, ' ');
  for (char c : text) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

std::string ListText(cmark_node* list, int depth) {
  bool ordered = cmark_node_get_list_type(list) == CMARK_ORDERED_LIST;
  int number = cmark_node_get_list_start(list);
  bool tight = cmark_node_get_list_tight(list) != 0;
  std::vector<std::string> items;
  for (cmark_node* item = cmark_node_first_child(list); item; item = cmark_node_next(item)) {
    std::string marker = ordered ? std::to_string(number++) + ". " : "- ";
    std::vector<std::string> parts;
    BlockTexts(item, depth + 1, parts);
    items.push_back(marker + IndentContinuation(Join(parts, tight ? "\n" : "\n\n"), marker.size()));
  }
  return Join(items, tight ? "\n" : "\n\n");
}

std::string BlockText(cmark_node* node, int depth) {
  if (depth > kMaxTextNesting) return FlatText(node);
  switch (cmark_node_get_type(node)) {
    case CMARK_NODE_PARAGRAPH:
    case CMARK_NODE_HEADING:
      return InlineText(node, depth);
    case CMARK_NODE_CODE_BLOCK: {
      std::string code = Literal(node);
      while (!code.empty() && code.back() == '\n') code.pop_back();
      return code;
    }
    case CMARK_NODE_LIST:
      return ListText(node, depth);
    case CMARK_NODE_BLOCK_QUOTE:
    case CMARK_NODE_ITEM: {
      std::vector<std::string> parts;
      BlockTexts(node, depth, parts);
      return Join(parts, "\n\n");
    }
    default:  // thematic breaks and (removed) raw HTML have no text
      return "";
  }
}

void BlockTexts(cmark_node* parent, int depth, std::vector<std::string>& out) {
  for (cmark_node* n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) {
    std::string text = BlockText(n, depth + 1);
    if (!text.empty()) out.push_back(std::move(text));
  }
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MarkdownToHtml(std::string_view markdown) {
  Document doc = Parse(markdown);
  if (!doc) return "";
  DropRawHtml(doc.get());
  char* html = cmark_render_html(doc.get(), kOptions);
  std::string out = html ? html : "";
  std::free(html);
  return out;
}

std::string MarkdownToText(std::string_view markdown) {
  Document doc = Parse(markdown);
  if (!doc) return "";
  DropRawHtml(doc.get());
  std::vector<std::string> blocks;
  BlockTexts(doc.get(), 0, blocks);
  return Join(blocks, "\n\n");
}

std::string MarkdownFirstParagraph(std::string_view markdown) {
  Document doc = Parse(markdown);
  if (!doc) return "";
  DropRawHtml(doc.get());
  // An opening heading is the article's own sub-title, not its lead, so the
  // first top-level paragraph wins; a body with none (only a list, say)
  // falls back to its first block with text.
  for (cmark_node* n = cmark_node_first_child(doc.get()); n; n = cmark_node_next(n)) {
    if (cmark_node_get_type(n) != CMARK_NODE_PARAGRAPH) continue;
    std::string text = InlineText(n, 1);
    if (!text.empty()) return text;
  }
  std::vector<std::string> blocks;
  BlockTexts(doc.get(), 0, blocks);
  return blocks.empty() ? "" : blocks.front();
}

}  // namespace loa
