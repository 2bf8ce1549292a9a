// Feeds untrusted Markdown to the renderer every channel publishes through
// (inbox/markdown.h): HTML, plain text and the first paragraph. Besides
// crashes it checks the renderer's promises: raw HTML never passes (every
// tag in the HTML is one cmark itself writes), no javascript: link survives,
// and every output is valid UTF-8 whatever the input.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "inbox/markdown.h"
#include "inbox/utf8.h"
#include "tests/fuzz/small_stack.h"

namespace {

// The elements cmark's HTML renderer writes for CommonMark nodes.
constexpr std::array<std::string_view, 19> kCmarkTags = {
    "p",  "h1", "h2", "h3", "h4",  "h5",  "h6",   "ul",     "ol",        "li",
    "em", "a",  "hr", "br", "pre", "img", "code", "strong", "blockquote"};

[[noreturn]] void Die(const char* what, std::string_view output) {
  std::fprintf(stderr, "markdown_fuzz: %s in:\n%.*s\n", what, static_cast<int>(output.size()),
               output.data());
  std::abort();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void CheckHtml(const std::string& html) {
  for (size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
    size_t start = i + 1;
    if (start < html.size() && html[start] == '/') ++start;
    size_t end = start;
    while (end < html.size() &&
           ((html[end] >= 'a' && html[end] <= 'z') || (html[end] >= '0' && html[end] <= '9'))) {
      ++end;
    }
    std::string_view tag(html.data() + start, end - start);
    if (std::find(kCmarkTags.begin(), kCmarkTags.end(), tag) == kCmarkTags.end()) {
      Die("a tag cmark does not write (raw HTML passed through)", html);
    }
  }
  std::string lower = Lower(html);
  for (std::string_view attr : {"href=\"", "src=\""}) {
    for (size_t i = lower.find(attr); i != std::string::npos; i = lower.find(attr, i + 1)) {
      std::string_view url = std::string_view(lower).substr(i + attr.size());
      if (url.starts_with("javascript:") || url.starts_with("vbscript:")) {
        Die("an unsafe link target", html);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  loa::CapStackForFuzzing();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view markdown(reinterpret_cast<const char*>(data), size);

  std::string html = loa::MarkdownToHtml(markdown);
  if (!loa::IsValidUtf8(html)) Die("HTML is not valid UTF-8", html);
  CheckHtml(html);

  std::string text = loa::MarkdownToText(markdown);
  if (!loa::IsValidUtf8(text)) Die("text is not valid UTF-8", text);

  std::string lead = loa::MarkdownFirstParagraph(markdown);
  if (!loa::IsValidUtf8(lead)) Die("first paragraph is not valid UTF-8", lead);

  std::string escaped = loa::EscapeHtml(markdown);
  if (escaped.find_first_of("<>\"'") != std::string::npos) Die("EscapeHtml left markup", escaped);
  return 0;
}
