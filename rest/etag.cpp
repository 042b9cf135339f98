#include "rest/etag.hpp"

#include <openssl/evp.h>

namespace nectar::rest {

std::string etag_of(std::string_view body) {
    // Fetched once: OpenSSL 3's SHA256() looks the algorithm up again on every call.
    static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(body.data(), body.size(), digest, &length, sha256, nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string tag = "\"";
    for (int i = 0; i < 16; ++i) { // 128 bits are plenty to tell versions of one resource apart
        tag += hex[digest[i] >> 4];
        tag += hex[digest[i] & 15];
    }
    tag += '"';
    return tag;
}

bool etag_matches(std::string_view header_value, std::string_view etag) {
    size_t pos = 0;
    while (pos <= header_value.size()) {
        size_t comma = header_value.find(',', pos);
        if (comma == std::string_view::npos) {
            comma = header_value.size();
        }
        std::string_view item = header_value.substr(pos, comma - pos);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
            item.remove_prefix(1);
        }
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
            item.remove_suffix(1);
        }
        if (item == "*") {
            return true;
        }
        if (item.substr(0, 2) == "W/") {
            item.remove_prefix(2);
        }
        if (item == etag) {
            return true;
        }
        pos = comma + 1;
    }
    return false;
}

} // namespace nectar::rest
