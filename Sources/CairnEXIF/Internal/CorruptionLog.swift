import CExif
import Foundation

/// Collects libexif's "corrupt data" messages for one read, so a damaged EXIF block gets a reason.
final class CorruptionLog {
    private(set) var firstProblem: String?
    private var log: OpaquePointer?

    func attach(to data: UnsafeMutablePointer<ExifData>) {
        guard let log = exif_log_new() else { return }
        self.log = log
        exif_log_set_func(log, { _, code, _, format, arguments, context in
            guard code == EXIF_LOG_CODE_CORRUPT_DATA, let format, let arguments, let context else { return }
            let me = Unmanaged<CorruptionLog>.fromOpaque(context).takeUnretainedValue()
            guard me.firstProblem == nil else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            _ = vsnprintf(&buffer, buffer.count, format, arguments)
            me.firstProblem = String(cString: buffer)
        }, Unmanaged.passUnretained(self).toOpaque())
        exif_data_log(data, log)
    }

    deinit {
        if let log { exif_log_unref(log) }
    }
}
