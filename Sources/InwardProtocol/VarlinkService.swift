/// The `org.varlink.service` interface every Varlink service provides, and the
/// standard errors.
public enum VarlinkService {
    public static let name = "org.varlink.service"

    /// The standard interface description (varlink.org).
    public static let description = #"""
# The Varlink Service Interface is provided by every varlink service. It
# describes the service and the interfaces it implements.
interface org.varlink.service

# Get a list of all the interfaces a service provides and information
# about the implementation.
method GetInfo() -> (
  vendor: string,
  product: string,
  version: string,
  url: string,
  interfaces: []string
)

# Get the description of an interface that is implemented by this service.
method GetInterfaceDescription(interface: string) -> (description: string)

# The requested interface was not found.
error InterfaceNotFound (interface: string)

# The requested method was not found
error MethodNotFound (method: string)

# The interface defines the requested method, but the service does not
# implement it.
error MethodNotImplemented (method: string)

# One of the passed parameters is invalid.
error InvalidParameter (parameter: string)

# Client is denied access
error PermissionDenied ()

# Method is expected to be called with 'more' set to true, but wasn't
error ExpectedMore ()
"""#

    public static let vendor = "Inward"
    public static let product = "inwardd"

    /// The interfaces inwardd serves, in GetInfo order.
    public static let interfaces = [VarlinkService.name, InwardSessionInterface.name]

    /// The description of one of `interfaces`, nil for any other name.
    public static func interfaceDescription(_ interface: String) -> String? {
        switch interface {
        case VarlinkService.name: VarlinkService.description
        case InwardSessionInterface.name: InwardSessionInterface.description
        default: nil
        }
    }

    /// The `GetInfo` reply: vendor "Inward", product "inwardd", the given version and
    /// url, and `interfaces`.
    public static func getInfoReply(version: String, url: String) -> VarlinkReply {
        VarlinkReply([
            "vendor": .string(vendor),
            "product": .string(product),
            "version": .string(version),
            "url": .string(url),
            "interfaces": .array(interfaces.map { .string($0) }),
        ])
    }

    /// The `GetInterfaceDescription` reply, or `InterfaceNotFound(interface)`.
    public static func getInterfaceDescriptionReply(interface: String) -> VarlinkReply {
        guard let text = interfaceDescription(interface) else {
            return Errors.interfaceNotFound(interface)
        }
        return VarlinkReply(["description": .string(text)])
    }

    /// Answers a call to `org.varlink.service.*` completely (parameters checked; unknown
    /// methods get `MethodNotFound`). Returns nil for calls to other interfaces.
    public static func handle(_ call: VarlinkCall, version: String, url: String) -> VarlinkReply? {
        guard call.interface == name else { return nil }
        do throws(VarlinkProtocolError) {
            switch call.methodName {
            case "GetInfo":
                try call.checkParameters(allowed: [])
                return getInfoReply(version: version, url: url)
            case "GetInterfaceDescription":
                try call.checkParameters(allowed: ["interface"])
                return getInterfaceDescriptionReply(interface: try call.string("interface"))
            default:
                return Errors.methodNotFound(call.method)
            }
        } catch {
            return error.reply
        }
    }

    /// Which error a call to an unknown method should get: `InterfaceNotFound` when
    /// the interface is not served, else `MethodNotFound`. Nil when the method exists.
    public static func unknownMethodReply(_ call: VarlinkCall) -> VarlinkReply? {
        let interface = call.interface
        if interface == name {
            return ["GetInfo", "GetInterfaceDescription"].contains(call.methodName) ? nil
                : Errors.methodNotFound(call.method)
        }
        if interface == InwardSessionInterface.name {
            return InwardSessionInterface.hasMethod(call.methodName) ? nil : Errors.methodNotFound(call.method)
        }
        return Errors.interfaceNotFound(String(interface))
    }

    /// The standard `org.varlink.service.*` errors.
    public enum Errors {
        public static let interfaceNotFoundName = "org.varlink.service.InterfaceNotFound"
        public static let methodNotFoundName = "org.varlink.service.MethodNotFound"
        public static let methodNotImplementedName = "org.varlink.service.MethodNotImplemented"
        public static let invalidParameterName = "org.varlink.service.InvalidParameter"
        public static let permissionDeniedName = "org.varlink.service.PermissionDenied"
        public static let expectedMoreName = "org.varlink.service.ExpectedMore"

        public static func interfaceNotFound(_ interface: String) -> VarlinkReply {
            .error(interfaceNotFoundName, ["interface": .string(interface)])
        }

        /// `method` is the name as called (fully qualified).
        public static func methodNotFound(_ method: String) -> VarlinkReply {
            .error(methodNotFoundName, ["method": .string(method)])
        }

        public static func methodNotImplemented(_ method: String) -> VarlinkReply {
            .error(methodNotImplementedName, ["method": .string(method)])
        }

        /// `reason` is an Inward extension: an extra field generic clients ignore.
        public static func invalidParameter(_ parameter: String, reason: String? = nil) -> VarlinkReply {
            var p: JSONObject = ["parameter": .string(parameter)]
            if let reason { p["reason"] = .string(reason) }
            return .error(invalidParameterName, p)
        }

        public static func permissionDenied() -> VarlinkReply { .error(permissionDeniedName) }
        public static func expectedMore() -> VarlinkReply { .error(expectedMoreName) }
    }
}
