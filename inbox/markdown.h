// Markdown (CommonMark) -> what channels publish. It lives with the inbox
// model, not with the connectors, because ingest measures the very text a
// channel will publish against that channel's limits. Raw HTML in the
// Markdown is never passed through.
#pragma once

#include <string>
#include <string_view>

namespace loa {

// Escapes & < > " ' for HTML text and attribute values.
std::string EscapeHtml(std::string_view text);

// CommonMark -> HTML with raw HTML and unsafe links (javascript:) removed.
std::string MarkdownToHtml(std::string_view markdown);

// CommonMark -> readable plain text for social posts: headings on their own
// lines, list items as "- " / "1. ", links as "text (url)", no Markdown syntax.
std::string MarkdownToText(std::string_view markdown);

// The first paragraph as plain text (as MarkdownToText renders it): the
// lead an item without a summary is described by.
std::string MarkdownFirstParagraph(std::string_view markdown);

}  // namespace loa
