/// Pure string handling of file paths: joining a relative path onto a folder and
/// normalising `.` and `..` components. No file system access; symbolic links are
/// not resolved, and backslashes are ordinary characters (not separators).
public enum PathResolver {
    /// `path` if it is absolute, else `path` joined onto `folder`; normalised either way.
    static func resolve(_ path: String, in folder: String) -> String {
        if path.hasPrefix("/") || folder.isEmpty { return normalize(path) }
        return normalize(folder + "/" + path)
    }

    /// Removes empty and `.` components and folds `name/..`. A leading `..` of a
    /// relative path is kept; `..` above `/` stays at `/`. Never returns "" (returns ".").
    public static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
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
