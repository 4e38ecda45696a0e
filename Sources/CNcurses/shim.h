#ifndef INWARD_CNCURSES_SHIM_H
#define INWARD_CNCURSES_SHIM_H
// ncurses (wide-character build) for `inward console`.
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <locale.h>

// Attributes and key codes are macros Swift cannot import.
static inline int inward_curses_bold(void) { return (int)A_BOLD; }
static inline int inward_curses_reverse(void) { return (int)A_REVERSE; }
static inline int inward_curses_key_up(void) { return KEY_UP; }
static inline int inward_curses_key_down(void) { return KEY_DOWN; }
static inline int inward_curses_key_backspace(void) { return KEY_BACKSPACE; }
static inline int inward_curses_key_enter(void) { return KEY_ENTER; }
static inline int inward_curses_key_resize(void) { return KEY_RESIZE; }
static inline int inward_curses_key_btab(void) { return KEY_BTAB; }
static inline int inward_curses_err(void) { return ERR; }
// The standard screen, a global Swift 6 would count as shared mutable state.
static inline WINDOW *inward_curses_screen(void) { return stdscr; }

#endif
