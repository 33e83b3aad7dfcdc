/// A check on the caller's arguments that stays in every build. CairnInference is compiled with -Ounchecked,
/// which removes `precondition`; a wrong buffer size must still stop the program rather than corrupt memory.
@inline(__always)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError(message()) }
}
