/* rc_bailian_assets.h — the built-in media of the bailian model, compiled in from
 * clients/refclient/assets (gen_assets.py makes them; clients/CMakeLists.txt turns them into
 * rc_assets.c in the build tree):
 *   rc_asset_jpeg  frame.jpg, a 640x480 baseline JPEG (the LiveAI frames, `image: builtin`)
 *   rc_asset_wav   speech.wav, 1.5 s of speech-like 16 kHz mono 16-bit PCM in a RIFF file */
#ifndef RC_BAILIAN_ASSETS_H
#define RC_BAILIAN_ASSETS_H

#include <stddef.h>

extern const unsigned char rc_asset_jpeg[];
extern const size_t rc_asset_jpeg_len;
extern const unsigned char rc_asset_wav[];
extern const size_t rc_asset_wav_len;

#endif
