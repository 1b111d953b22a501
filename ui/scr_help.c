/*
 * scr_help — screen 7: generated from the key table, so it lists exactly
 * the keys that work, grouped by the screens they work on.
 */
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "screens.h"

static const char *const screen_names[SCR_COUNT] = {"Presets", "Editor", "Runs", "Monitor",
                                                    "Compare", "Grid",   "Help"};

void help_draw(App *a, TextGrid *g) {
    (void)a;
    int n, y = 0, col = 0, colw = g->w >= 160 ? g->w / 2 : g->w;
    const KeyBinding *k = keys_table(&n);
    textgrid_text(g, 0, y++, "finelab — keys (F1 or ? shows this; F10 or Q quits)", ST_TITLE);
    /* Keys of every screen, then each screen's own. */
    for (int s = -1; s < SCR_COUNT; s++) {
        int any = 0;
        for (int i = 0; i < n; i++) {
            int everywhere = k[i].screens == KEYS_ALL;
            if (s < 0 ? !everywhere : everywhere || !(k[i].screens & (1u << s))) continue;
            if (!any) {
                if (y >= g->h - 1) {
                    if (colw == g->w) break;
                    col++;
                    y = 1;
                }
                y++;
                textgrid_text(g, col * colw, y++, s < 0 ? "everywhere" : screen_names[s],
                              ST_HEADER);
                any = 1;
            }
            if (y >= g->h) {
                if (colw == g->w || col == 1) break;
                col = 1;
                y = 2;
            }
            char line[256];
            snprintf(line, sizeof line, "  %-7s %s", k[i].label, k[i].help);
            textgrid_text(g, col * colw, y++, line, 0);
        }
    }
}
