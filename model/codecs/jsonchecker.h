#pragma once

#include <QByteArrayView>

namespace thingscape::codecs {

// Strict JSON over bytes (RFC 8259) without building anything: a few instructions per byte,
// where a parse allocates a tree. Strings are checked for their escapes only; whether the bytes
// are UTF-8 is the caller's check (findInvalidUtf8).
class JsonChecker
{
public:
    // maxNesting: how many arrays / objects may be nested inside each other.
    JsonChecker(QByteArrayView bytes, int maxNesting);

    // One JSON text, with optional white space around it and nothing else.
    bool document();
    // A JSON number and nothing else (no white space).
    bool numberOnly();

private:
    void space();
    bool literal(const char *word);
    // One or more digits.
    bool digits();
    bool number();
    bool string();
    bool value(int depth);
    bool container(int depth, char close);

    const char *m_p;
    const char *m_end;
    int m_maxNesting;
};

} // namespace thingscape::codecs
