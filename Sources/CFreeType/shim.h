// Layer: C bindings. FreeType 2 (glyph outlines rasterised to anti-aliased coverage), used only by RDCRender.
#include <ft2build.h>
#include FT_FREETYPE_H
