package dev.llmvax.lora;

import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.Tensors;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The identity of a base model's weights, recorded in an adapter so that it is never merged into another model.
 *
 * <p>Definition ({@value #SCHEME}): SHA-256 over every tensor of {@link LlamaModel#weights()} (the HF names,
 * the tied LM head omitted), in name order, each as its UTF-8 name, a 0 byte, the number of dimensions and
 * each dimension as little-endian int64, then its values rounded to bfloat16 (round to nearest even),
 * little-endian. It depends on the weights alone, not on file bytes, so one model gives one fingerprint
 * whether it is read from a GGUF or from an HF folder converted from it, and whether it is computed in f32 or
 * bf16 (rounding twice to bf16 is rounding once). Config, tokenizer and chat template are not part of it.
 *
 * @param value {@code bf16-sha256:} followed by 64 lower-case hex digits
 */
public record BaseFingerprint(String value) {
    /** The prefix naming the definition above; another prefix comes from a newer llmvax. */
    public static final String SCHEME = "bf16-sha256";

    private static final Pattern FORMAT = Pattern.compile(SCHEME + ":[0-9a-f]{64}");
    /** Largest slice handed to one digest update (ByteBuffers are int-indexed). */
    private static final long SLICE = 1L << 30;

    public BaseFingerprint {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("a base fingerprint is '" + SCHEME + ":' and 64 hex digits, found '"
                    + value + "'" + (value != null && !value.startsWith(SCHEME + ":")
                    ? " (written by a newer llmvax?)" : ""));
        }
    }

    /** The fingerprint of {@code m}'s weights as they are now (after a merge, the merged weights). */
    public static BaseFingerprint of(LoadedModel m) {
        return of(m.model());
    }

    /** As {@link #of(LoadedModel)}. */
    public static BaseFingerprint of(LlamaModel model) {
        MessageDigest digest = sha256();
        TensorOptions bf16Cpu = new TensorOptions(ScalarType.BFloat16)
                .device(new DeviceOptional(new Device(DeviceType.CPU)));
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> weights = new TreeMap<>(model.weights());
            for (Map.Entry<String, Tensor> e : weights.entrySet()) {
                long[] shape = Tensors.shape(e.getValue());
                digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                ByteBuffer head = ByteBuffer.allocate(1 + 8 * (1 + shape.length)).order(ByteOrder.LITTLE_ENDIAN);
                head.put((byte) 0).putLong(shape.length);
                for (long d : shape) {
                    head.putLong(d);
                }
                digest.update(head.flip());
                Tensor bf16 = e.getValue().to(bf16Cpu, false, true, new MemoryFormatOptional()).contiguous();
                MemorySegment bytes = MemorySegment.ofAddress(bf16.data_ptr().address()).reinterpret(bf16.nbytes());
                for (long pos = 0; pos < bytes.byteSize(); pos += SLICE) {
                    digest.update(bytes.asSlice(pos, Math.min(SLICE, bytes.byteSize() - pos)).asByteBuffer()
                            .order(ByteOrder.LITTLE_ENDIAN));
                }
                bf16.close();
            }
        }
        return new BaseFingerprint(SCHEME + ":" + HexFormat.of().formatHex(digest.digest()));
    }

    /** The first {@code n} hex digits, for messages. */
    public String shortHex(int n) {
        String hex = value.substring(SCHEME.length() + 1);
        return hex.substring(0, Math.min(n, hex.length()));
    }

    @Override
    public String toString() {
        return value;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide SHA-256", e);
        }
    }
}
