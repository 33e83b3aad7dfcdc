import CairnEXIF

/// The EXIF orientation the decoder needs.
enum CairnEXIFBridge {
    static func orientation(_ bytes: UnsafeRawBufferPointer) -> Int? {
        ExifReader.read(bytes).orientation
    }
}
