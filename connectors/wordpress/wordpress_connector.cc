#include "connectors/wordpress/wordpress_connector.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "base/json_field.h"
#include "base/time.h"
#include "connectors/http/render.h"
#include "connectors/wordpress/wordpress_slug.h"

namespace loa {

namespace {

using nlohmann::json;

// WordPress reads only the plain `filename` parameter of
// Content-Disposition, so the name sent is ASCII: Vietnamese letters lose
// their marks ("ảnh-đẹp.jpg" -> "anh-dep.jpg"), anything else unsafe
// becomes '-'.
std::string AsciiFileName(std::string_view name) {
  size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string folded(name);
  utf8proc_uint8_t* mapped = nullptr;
  utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(name.data()),
                   static_cast<utf8proc_ssize_t>(name.size()), &mapped,
                   static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK));
  if (n >= 0 && mapped) folded.assign(reinterpret_cast<char*>(mapped), static_cast<size_t>(n));
  std::free(mapped);
  std::string out;
  for (size_t i = 0; i < folded.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(folded[i]);
    // U+0110 / U+0111 (Đ / đ) have no decomposition.
    if (c == 0xC4 && i + 1 < folded.size() &&
        (static_cast<unsigned char>(folded[i + 1]) == 0x90 ||
         static_cast<unsigned char>(folded[i + 1]) == 0x91)) {
      out += static_cast<unsigned char>(folded[i + 1]) == 0x90 ? 'D' : 'd';
      ++i;
      continue;
    }
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (ok) {
      out += static_cast<char>(c);
    } else if (c < 0x80 || (c & 0xC0) == 0xC0) {
      out += '-';  // one '-' per character, not per byte
    }
  }
  if (out.empty() || out.front() == '.') out = "media" + out;
  return out;
}

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// Every status a post of ours could be in but trash (the default filter is
// "publish" only).
constexpr char kLiveStatuses[] = "publish,future,draft,pending,private";
// Pages of 100 search hits read before giving up: only posts holding the
// whole marker phrase match, so more than one page means something is
// badly wrong on the site.
constexpr int64_t kMaxSearchPages = 5;

// A numeric header (X-WP-TotalPages), or -1 when absent or unreadable.
int64_t NumberHeader(const httplib::Response& response, const char* name) {
  const std::string text = response.get_header_value(name);
  if (text.empty() || text.size() > 9) return -1;
  int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

Result<std::unique_ptr<WordPressConnector>> WordPressConnector::Create(
    const Clock& clock, const WordPressSettings& settings, std::string app_password,
    int max_attempts) {
  auto url = ParseBaseUrl("base_url", settings.base_url, settings.http.allow_insecure_http);
  if (!url.ok()) return Error{url.error()};
  if (settings.username.empty()) return Error{"username is empty"};
  std::erase(app_password, ' ');
  if (app_password.empty()) return Error{"the application password is empty"};
  Url base = std::move(url).value();
  return std::unique_ptr<WordPressConnector>(new WordPressConnector(
      clock, settings, std::move(base), std::move(app_password), max_attempts));
}

WordPressConnector::WordPressConnector(const Clock& clock, WordPressSettings settings, Url base,
                                       std::string password, int max_attempts)
    : clock_(clock),
      settings_(std::move(settings)),
      base_(std::move(base)),
      password_(std::move(password)),
      max_attempts_(max_attempts) {}

std::unique_ptr<httplib::Client> WordPressConnector::Client() const {
  auto client = MakeHttpClient(base_, settings_.http);
  client->set_basic_auth(settings_.username, password_);
  return client;
}

std::string WordPressConnector::ApiPath(std::string_view route) const {
  return base_.target + "/wp-json/wp/v2/" + std::string(route);
}

Outcome WordPressConnector::Classify(const httplib::Response& response,
                                     const std::string& what) const {
  return ClassifyWordPressAnswer(response.status, response.body,
                                 RetryAfterOf(response, clock_.Now()),
                                 response.get_header_value("Location"), what, settings_.base_url);
}

std::optional<Outcome> WordPressConnector::ListOurs(httplib::Client& client,
                                                    const std::string& query,
                                                    const std::string& marker,
                                                    std::vector<Found>& ours,
                                                    int64_t& total_pages) const {
  std::string path = ApiPath("posts") + "?" + query + "&status=" + kLiveStatuses + "&context=edit";
  std::string what = "post lookup " + DescribeRequest("GET", base_, path);
  auto res = client.Get(path);
  if (!res) return TransportFailure(res.error(), what, RequestKind::kSafe);
  if (!IsSuccess(res->status)) return Classify(*res, what);
  json posts = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (!posts.is_array()) {
    return Outcome::Failed(
        ErrorClass::kPermanent,
        what + ": the answer is not a WordPress post list: " + Excerpt(res->body), res->status);
  }
  total_pages = NumberHeader(*res, "X-WP-TotalPages");
  for (const json& post : posts) {
    if (!post.is_object()) continue;
    auto content = post.find("content");
    if (content == post.end() || StringField(*content, "raw").find(marker) == std::string::npos) {
      continue;
    }
    Found found{IdText(post.value("id", json())), StringField(post, "link"),
                StringField(post, "slug")};
    if (!found.id.empty()) ours.push_back(std::move(found));
  }
  return std::nullopt;
}

// Which post is ours, and why two questions are asked.
//
// A post is ours only when its raw content (context=edit) carries
// LoaItemMarker(id), which loa writes first in every post it creates and
// nobody else writes: the Markdown renderer drops raw HTML, so an item's
// body cannot forge it. The slug proves nothing either way. Another
// editor's post may hold the slug WordPress derives from our id (then that
// post keeps it and ours becomes "<slug>-2"): taking it for ours would
// report someone else's post as published and never publish ours. And our
// own post may sit under "<slug>-2", or a slug an editor changed.
//
// The slug is asked first: it is an exact database query and finds our
// post in the usual case in one request. Only when no post under that slug
// is ours does the search look for the marker phrase over title, excerpt
// and content (WP_Query's LIKE), finding ours under any slug.
//
// Trashed posts are not looked at (nor found by either query: trashing
// renames the slug "<slug>__trashed"): a post in the trash was taken down,
// by loa's Retract or by an editor, and a new delivery of the item makes a
// new post. Should several posts be ours (duplicates from before this
// rule), the one under our slug wins, else the oldest.
WordPressConnector::LookupResult WordPressConnector::LookUp(httplib::Client& client,
                                                            const std::string& id) const {
  const std::string marker = LoaItemMarker(id);
  const std::string slug = WordPressSlug(id);
  std::vector<Found> ours;
  int64_t pages = 0;
  if (auto failed =
          ListOurs(client, "slug=" + httplib::detail::encode_query_param(slug) + "&per_page=100",
                   marker, ours, pages)) {
    return *failed;
  }
  const std::string search =
      "search=" + httplib::detail::encode_query_param(LoaItemMarkerSearch(id)) +
      "&per_page=100&orderby=id&order=asc";
  for (int64_t page = 1; ours.empty(); ++page) {
    if (page > kMaxSearchPages) {
      return Outcome::Retry(ErrorClass::kTransient,
                            "post lookup: more than " + std::to_string(kMaxSearchPages * 100) +
                                " posts hold the loa marker of " + id +
                                " and none of them in the first pages is ours");
    }
    if (auto failed =
            ListOurs(client, search + "&page=" + std::to_string(page), marker, ours, pages)) {
      return *failed;
    }
    if (page >= pages) break;
  }
  if (ours.empty()) return std::optional<Found>();
  auto best =
      std::find_if(ours.begin(), ours.end(), [&](const Found& f) { return f.slug == slug; });
  if (best == ours.end()) {
    best = std::min_element(ours.begin(), ours.end(), [](const Found& a, const Found& b) {
      return a.id.size() != b.id.size() ? a.id.size() < b.id.size() : a.id < b.id;
    });
  }
  return std::optional<Found>(*best);
}

std::variant<WordPressUpload, Outcome> WordPressConnector::Upload(httplib::Client& client,
                                                                  const MediaFile& media,
                                                                  MediaReader data) const {
  std::string path = ApiPath("media");
  std::string what = "media upload of " + media.name + " " + DescribeRequest("POST", base_, path);
  httplib::Headers headers = {
      {"Content-Disposition", "attachment; filename=\"" + AsciiFileName(media.name) + "\""},
  };
  // A lost answer here leaves at most an unused file in the media library,
  // never a second post, so it is an ordinary transient failure.
  StreamedBody upload("", std::move(data), "");
  auto res = client.Post(path, headers, upload.length(), upload.Provider(), media.content_type);
  if (upload.failure()) return Outcome::Failed(ErrorClass::kPermanent, upload.failure()->message);
  if (!res) return TransportFailure(res.error(), what, RequestKind::kSafe);
  if (!IsSuccess(res->status)) return Classify(*res, what);
  json body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("id") || !body["id"].is_number_integer()) {
    return Outcome::Retry(ErrorClass::kTransient,
                          what + ": unreadable answer: " + Excerpt(res->body), res->status);
  }
  return WordPressUpload{body["id"].get<int64_t>(), StringField(body, "source_url"),
                         media.content_type, media.caption};
}

Outcome WordPressConnector::Publish(const PublishRequest& request) {
  const Item& item = *request.item;
  auto client = Client();

  LookupResult existing = LookUp(*client, item.id);
  if (auto* failed = std::get_if<Outcome>(&existing)) return *failed;
  if (auto& found = std::get<std::optional<Found>>(existing)) {
    Outcome o = Outcome::Published(found->id, found->link, 200);
    o.message =
        "the post of " + item.id + " is already on the site (slug " + Excerpt(found->slug) + ")";
    return o;
  }

  std::vector<WordPressUpload> uploads;
  for (const MediaFile& m : item.media) {
    if (!IsWordPressUpload(m)) continue;
    auto data = MediaReader::Open(m, request.media_dir);
    if (!data.ok()) return Outcome::Failed(ErrorClass::kPermanent, data.error());
    auto uploaded = Upload(*client, m, std::move(data).value());
    if (auto* failed = std::get_if<Outcome>(&uploaded)) return *failed;
    uploads.push_back(std::get<WordPressUpload>(std::move(uploaded)));
  }

  json post = BuildWordPressPost(settings_, request, uploads);

  std::string path = ApiPath("posts");
  std::string what = "post create " + DescribeRequest("POST", base_, path);
  auto res = client->Post(path, post.dump(-1, ' ', false, json::error_handler_t::replace),
                          "application/json");
  if (!res) {
    Outcome lost = TransportFailure(res.error(), what, RequestKind::kCreate);
    // Uncertain means the request went out whole: it may have landed.
    if (lost.kind != Outcome::Kind::kUncertain) return lost;
    return LostCreate().AfterLostAnswer(request.attempt, lost.message, 0, std::nullopt);
  }
  if (!IsSuccess(res->status)) {
    Outcome o = Classify(*res, what);
    // A 5xx may come after wp_insert_post (a fatal error in a save_post
    // hook, a proxy giving up on a slow site): the post may exist.
    if (o.kind == Outcome::Kind::kRetry && res->status >= 500) {
      return LostCreate().AfterLostAnswer(request.attempt, o.message, res->status, o.retry_after);
    }
    return o;
  }
  json created = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  std::string id = created.is_object() ? IdText(created.value("id", json())) : "";
  if (id.empty()) {
    // Created, most likely, but we cannot tell which post: the next
    // attempt's lookup will.
    return LostCreate().AfterLostAnswer(request.attempt,
                                        what + ": HTTP " + std::to_string(res->status) +
                                            " without a readable post id: " + Excerpt(res->body),
                                        res->status, std::nullopt);
  }
  return Outcome::Published(id, StringField(created, "link"), res->status);
}

Reconciliation WordPressConnector::Reconcile(const PublishRequest& request) {
  // Taken before the lookup: a create sent before the restart was sent
  // before this instant, so it lands (if at all) before now + timeout.
  const TimePoint now = clock_.Now();
  const std::string& id = request.item->id;
  Reconciliation r;
  auto client = Client();
  LookupResult existing = LookUp(*client, id);
  if (auto* found = std::get_if<std::optional<Found>>(&existing); found && *found) {
    r.kind = Reconciliation::Kind::kPublished;
    r.published = Outcome::Published((*found)->id, (*found)->link, 200);
    r.message = "found the post of " + id + " (slug " + Excerpt((*found)->slug) + ")";
    return r;
  }
  std::string why = "no post of " + id + " on the site yet";
  if (auto* failed = std::get_if<Outcome>(&existing)) {
    why = "the lookup failed (" + failed->message + ")";
  }
  // The interrupted attempt may have sent a create that has not landed yet
  // (a slow site): looking once and creating at once would make a second
  // post. Not found is therefore "not yet": the engine sends again after
  // not_before, and that Publish looks up first. A failed lookup is the
  // same, since the Publish looks up again.
  return LostCreate().NotFoundYet(request.attempt, now, why);
}

Outcome WordPressConnector::Retract(const PublishRequest& request, const std::string& remote_id) {
  auto client = Client();
  std::string id = remote_id;
  if (id.empty()) {
    LookupResult existing = LookUp(*client, request.item->id);
    if (auto* failed = std::get_if<Outcome>(&existing)) return *failed;
    auto& found = std::get<std::optional<Found>>(existing);
    if (!found) {
      Outcome gone = Outcome::Retracted("", 200);
      gone.message = "no post of " + request.item->id + " on the site";
      return gone;
    }
    id = found->id;
  }
  if (id.empty() ||
      !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Outcome::Failed(ErrorClass::kPermanent,
                           "the stored remote id " + Excerpt(id) +
                               " is not a WordPress post id; take the post down by hand");
  }
  std::string path = ApiPath("posts/" + id);
  std::string what = "post trash " + DescribeRequest("DELETE", base_, path);
  // Trashing twice is harmless (410 the second time), so a lost answer is
  // simply retried.
  auto res = client->Delete(path);
  if (!res) return TransportFailure(res.error(), what, RequestKind::kSafe);
  std::string gone;
  if (IsSuccess(res->status)) {
    gone = "moved to the trash";
  } else {
    json body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    const std::string code = StringField(body, "code");
    if (res->status == 410 && code == "rest_already_trashed") {
      gone = "already in the trash";
    } else if (res->status == 404 && code == "rest_post_invalid_id") {
      // Only WordPress's own code: a 404 from a proxy or a wrong base_url
      // must not pass for a post that is gone.
      gone = "no longer on the site";
    } else {
      return Classify(*res, what);
    }
  }
  Outcome o = Outcome::Retracted(id, res->status);
  o.message = "post " + id + " " + gone;
  return o;
}

}  // namespace loa
