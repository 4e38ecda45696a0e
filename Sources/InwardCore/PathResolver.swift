/// Pure string handling of file paths: joining a relative path onto a folder and
/// normalising `.` and `..` components. No file system access; symbolic links are
/// not resolved, and backslashes are ordinary characters (not separators).
public enum PathResolver {
    /// `path` if it is absolute, else `path` joined onto `folder`; normalised either way.
    static func resolve(_ path: String, in folder: String) -> String {
        if path.utf8.first == UInt8(ascii: "/") || folder.isEmpty { return normalize(path) }
        return normalize(folder + "/" + path)
    }

    /// Removes empty and `.` components and folds `name/..`. A leading `..` of a
    /// relative path is kept; `..` above `/` stays at `/`. Never returns "" (returns ".").
    ///
    /// Works on Unicode scalars, not Characters: a name that begins with a combining
    /// mark (`/\u{301}a`) would otherwise hide the `/` before it.
    public static func normalize(_ path: String) -> String {
        let absolute = path.utf8.first == UInt8(ascii: "/")
        var parts: [Substring] = []
        for scalars in path.unicodeScalars.split(separator: "/", omittingEmptySubsequences: true) {
            let part = Substring(scalars)
            switch part {
            case ".":
                continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
            default:
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}
